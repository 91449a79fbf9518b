import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AgentConnection, PoolBus } from '@pardon/coral';
import type { GameEvent, PaymentRequestEvent } from '@pardon/db';
import type { GameRules } from '@pardon/game';
import type { PaymentSettings } from '@pardon/payments';
import { createRpcChain, type Chain } from '@pardon/solana';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { GatewayConfig } from '../config';
import type { GameEventHub } from '../game/game-events';
import type { GatewayMetrics } from '../plugins/metrics';
import { requireBearer } from '../shared/bearer';
import type { Store } from '../shared/store';
import type { ThreadBus } from '../thread-bus/thread-bus';
import { LocalFaucet } from './local-faucet';
import { paymentOpsRoutes } from './ops-routes';
import { PaymentEventHub } from './payment-events';
import { PaymentRequests } from './payment-requests';
import { registerRequestPaymentTool } from './request-tool';
import { paymentRoutes } from './routes';
import { Settlement } from './settlement';

export interface PaymentsModule {
  /** The thread streams' payment events (empty while payments are off). */
  readonly events: PaymentEventHub;
  /** What the payment-reconcile job checks against; undefined while payments are off. */
  readonly reconcile: { chain: Chain; settings: PaymentSettings; rules: GameRules } | undefined;
  /** The agents' `pardon_request_payment`, on a game agent's connection (none while off). */
  registerTools(server: McpServer, context: { bus: PoolBus; connection: AgentConnection }): void;
  /** The routes (player and ops) and the settlement, once the thread bus exists. */
  register(
    app: FastifyInstance,
    deps: { threadBus: ThreadBus; opsToken: string | undefined },
  ): Promise<void>;
  /** A payment request another task stored. */
  onRemoteRequest(event: PaymentRequestEvent): void;
  /** A score event another process stored: a payment's settlement among them. */
  onRemoteGameEvent(event: GameEvent): void;
}

/**
 * Builds the payments module from the config: with `PAYMENT_CHAIN=off` the routes answer
 * `payments_disabled` and the agents have no payment tool.
 */
export function buildPayments(deps: {
  config: GatewayConfig;
  store: Store;
  gameEvents: GameEventHub;
  log: FastifyBaseLogger;
  metrics: GatewayMetrics;
}): PaymentsModule {
  const { config, store, gameEvents, log, metrics } = deps;
  const events = new PaymentEventHub();
  const settings = config.payments.enabled ? config.payments : undefined;
  const chain = settings
    ? createRpcChain({ url: settings.rpcUrl, commitment: settings.commitment })
    : undefined;
  const requests =
    settings && chain
      ? new PaymentRequests({
          settings,
          rules: config.gameRules,
          store,
          chain,
          events,
          taskId: config.taskId,
          intents: metrics.paymentIntents,
        })
      : undefined;
  let settlement: Settlement | undefined;

  return {
    events,
    reconcile: settings && chain ? { chain, settings, rules: config.gameRules } : undefined,
    registerTools(server, context) {
      if (requests) registerRequestPaymentTool(server, { ...context, payments: requests });
    },
    async register(app, { threadBus, opsToken }) {
      if (settings && chain && requests) {
        settlement = new Settlement({
          settings,
          rules: config.gameRules,
          store,
          chain,
          requests,
          threadBus,
          events,
          gameEvents,
          taskId: config.taskId,
          log,
          metrics: { settlements: metrics.paymentSettlements, failures: metrics.paymentFailures },
        });
      }
      const faucet = settings?.localFaucetUrl
        ? new LocalFaucet(settings.localFaucetUrl)
        : undefined;
      await app.register(paymentRoutes, { requests, settlement, faucet });
      await app.register(paymentOpsRoutes, {
        payments: store.payments,
        decimals: config.gameRules.tokenDecimals,
        symbol: settings?.symbol ?? 'PARDON',
        requireOperator: requireBearer({
          secret: opsToken,
          whenUnset: 'GW_ERR_NOT_FOUND',
          whenUnsetMessage: 'The operations API is disabled (OPS_TOKEN unset).',
          unauthorizedMessage: 'The dashboard needs the operator token.',
        }),
      });
    },
    onRemoteRequest(event) {
      void settlement?.onRemoteRequest(event);
    },
    onRemoteGameEvent(event) {
      void settlement?.onRemoteSettlement(event);
    },
  };
}
