import type { FastifyInstance } from 'fastify';
import { ErrorResponses as errors, GatewayError } from '../errors';
import { asWire } from './wire-errors';
import type { LocalFaucet } from './local-faucet';
import type { PaymentRequests } from './payment-requests';
import type { Settlement } from './settlement';

const BASE58 = '^[1-9A-HJ-NP-Za-km-z]+$';
const UUID = '^[0-9a-fA-F-]{36}$';
const Signature = { type: 'string', minLength: 64, maxLength: 90, pattern: BASE58 } as const;
const Account = { type: 'string', minLength: 32, maxLength: 44, pattern: BASE58 } as const;
// A Solana transaction is at most 1,232 bytes: 1,644 characters of base64.
const WireTransaction = {
  type: 'string',
  minLength: 4,
  maxLength: 1700,
  pattern: '^[A-Za-z0-9+/=]+$',
} as const;

const IntentSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['intentId', 'threadId', 'agentId', 'service', 'amount', 'expiresAt', 'status'],
} as const;

/**
 * The player's payment routes: the chain settings the page pays with, the player's payment
 * requests, a Solana Pay transaction request for one, and the report of a transfer
 * (`POST /api/payments`, idempotent by signature). Bearer token and per-wallet limit.
 */
export async function paymentRoutes(
  app: FastifyInstance,
  opts: {
    requests: PaymentRequests | undefined;
    settlement: Settlement | undefined;
    faucet: LocalFaucet | undefined;
  },
): Promise<void> {
  app.addHook('preHandler', app.authenticate);
  app.addHook('preHandler', app.limitWallet);
  const enabled = (): { requests: PaymentRequests; settlement: Settlement } => {
    if (!opts.requests || !opts.settlement) throw new GatewayError('GW_ERR_PAYMENTS_DISABLED');
    return { requests: opts.requests, settlement: opts.settlement };
  };

  app.get('/api/payments/config', { schema: { response: { ...errors } } }, async () => {
    if (!opts.requests) return { enabled: false };
    const s = opts.requests.settings;
    return {
      enabled: true,
      cluster: s.cluster,
      mint: s.mint,
      decimals: s.decimals,
      symbol: s.symbol,
      treasury: s.treasury,
      localWallet: opts.faucet !== undefined,
    };
  });

  app.get(
    '/api/payments/intents',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            required: ['intents'],
            properties: { intents: { type: 'array', items: IntentSchema } },
          },
          ...errors,
        },
      },
    },
    async (request) => ({ intents: await enabled().requests.intentsOf(request.wallet) }),
  );

  app.post<{ Params: { intentId: string }; Body: { account: string } }>(
    '/api/payments/intents/:intentId/transaction',
    {
      schema: {
        params: {
          type: 'object',
          required: ['intentId'],
          properties: { intentId: { type: 'string', pattern: UUID } },
        },
        body: {
          type: 'object',
          required: ['account'],
          additionalProperties: false,
          properties: { account: Account },
        },
        response: { ...errors },
      },
    },
    async (request) =>
      asWire(() =>
        enabled().requests.transactionFor(
          request.wallet,
          request.params.intentId,
          request.body.account,
        ),
      ),
  );

  app.post<{ Body: { intentId: string; signature: string; transaction?: string } }>(
    '/api/payments',
    {
      schema: {
        body: {
          type: 'object',
          required: ['intentId', 'signature'],
          additionalProperties: false,
          properties: {
            intentId: { type: 'string', pattern: UUID },
            signature: Signature,
            transaction: WireTransaction,
          },
        },
        response: { ...errors },
      },
    },
    async (request) => {
      const { view, result } = await asWire(() =>
        enabled().settlement.submit(request.wallet, request.body),
      );
      return { payment: view, created: result.created };
    },
  );

  app.post(
    '/api/payments/local-faucet',
    { schema: { response: { ...errors } } },
    async (request) => {
      if (!opts.faucet) {
        throw new GatewayError(
          'GW_ERR_NOT_FOUND',
          'The local test wallet faucet exists on the local game only.',
        );
      }
      return opts.faucet.fund(request.wallet);
    },
  );
}
