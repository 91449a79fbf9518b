import type { Logger } from 'pino';
import type { Brain } from './brain';
import type { AgentConfig } from './config';
import { Conversation } from './conversation';
import { HealthRegistry, startHealthServer } from './health';
import { formatLatency } from './latency';
import { OpenAiBrain } from './openai-brain';
import { getPersona, type Persona } from './personas';
import { PoolConnection } from './pool-connection';
import { ScriptedBrain } from './scripted-brain';
import { apiKeyResolver } from './secrets';
import { parseCoralEndpoint } from './coral/urls';
import { httpConnector, type PoolConnector } from './session';

export interface AgentDeps {
  logger: Logger;
  /** Defaults to HTTP (SSE or Streamable HTTP per config); tests pass an in-memory connector. */
  connector?: PoolConnector;
  /** Defaults to the brain named by AGENT_BRAIN. */
  brain?: Brain;
}

export interface RunningAgent {
  readonly persona: Persona;
  readonly health: HealthRegistry;
  /** Port of the health server, when HEALTH_PORT is set. */
  readonly healthPort: number | undefined;
  /** Resolves when no reply is in progress in any pool. */
  whenIdle(): Promise<void>;
  /** Stops fetching, lets replies in progress finish (AGENT_SHUTDOWN_DRAIN_MS), disconnects. */
  stop(): Promise<void>;
}

/** The brain AGENT_BRAIN names, configured from the environment. */
export function createBrain(config: AgentConfig, logger: Logger): Brain {
  if (config.AGENT_BRAIN === 'openai') {
    return new OpenAiBrain({
      baseUrl: config.MODEL_BASE_URL,
      model: config.MODEL_NAME ?? '',
      apiKey: apiKeyResolver(config.MODEL_API_KEY, config.MODEL_API_KEY_SECRET_ARN),
      timeoutMs: config.MODEL_TIMEOUT_MS,
      maxRetries: config.MODEL_MAX_RETRIES,
      historyMessages: config.MODEL_HISTORY_MESSAGES,
      onFailure: ({ attempt, error, final }) =>
        logger.warn(
          { attempt, err: error, final },
          final ? 'model failed, apologising' : 'model failed, retrying',
        ),
    });
  }
  return new ScriptedBrain({ seed: config.AGENT_SEED, latency: config.AGENT_LATENCY_MS });
}

/**
 * Starts one agent: one connection per pool in CORAL_SESSIONS, all sharing the persona and brain,
 * each with its own scheduler (AGENT_CONCURRENCY threads at a time per pool).
 */
export async function startAgent(config: AgentConfig, deps: AgentDeps): Promise<RunningAgent> {
  const persona = getPersona(config.AGENT_ID);
  const logger = deps.logger.child({ agentId: persona.id });
  const brain = deps.brain ?? createBrain(config, logger);
  const connector =
    deps.connector ??
    httpConnector({
      dialect: config.CORAL_DIALECT,
      endpoint: parseCoralEndpoint(config.CORAL_SSE_URL),
      kind: config.CORAL_TRANSPORT,
      agentId: persona.id,
      agentDescription: persona.description,
      secret: config.AGENT_SECRET,
      connectTimeoutMs: config.AGENT_CONNECT_TIMEOUT_MS,
    });
  const health = new HealthRegistry(persona.id, config.CORAL_SESSIONS);
  const conversation = new Conversation({
    persona,
    brain,
    logger,
    historyLimit: Math.max(24, config.MODEL_HISTORY_MESSAGES * 2),
    sendRetry: {
      budgetMs: config.AGENT_SEND_RETRY_MS,
      policy: { baseMs: config.AGENT_RECONNECT_BASE_MS, capMs: config.AGENT_RECONNECT_MAX_MS },
    },
  });
  const connections = config.CORAL_SESSIONS.map(
    (pool) =>
      new PoolConnection({
        pool,
        agentId: persona.id,
        connector,
        handler: (message, tools, signal) => conversation.handle(message, tools, signal),
        logger,
        health,
        concurrency: config.AGENT_CONCURRENCY,
        waitTimeoutMs: config.CORAL_WAIT_TIMEOUT_MS,
        backoff: { baseMs: config.AGENT_RECONNECT_BASE_MS, capMs: config.AGENT_RECONNECT_MAX_MS },
      }),
  );
  const healthServer =
    config.HEALTH_PORT === undefined
      ? undefined
      : await startHealthServer(health, config.HEALTH_PORT);
  logger.info(
    {
      pools: config.CORAL_SESSIONS,
      dialect: config.CORAL_DIALECT,
      transport: config.CORAL_TRANSPORT,
      brain: brain.name,
      latency: formatLatency(config.AGENT_LATENCY_MS),
      concurrency: config.AGENT_CONCURRENCY,
      sendRetryMs: config.AGENT_SEND_RETRY_MS,
      healthPort: healthServer?.port,
    },
    'agent starting',
  );
  for (const connection of connections) connection.start();
  return {
    persona,
    health,
    healthPort: healthServer?.port,
    whenIdle: async () => {
      await Promise.all(connections.map((c) => c.whenIdle()));
    },
    stop: async () => {
      await Promise.all(connections.map((c) => c.stop(config.AGENT_SHUTDOWN_DRAIN_MS)));
      await healthServer?.close();
      logger.info('agent stopped');
    },
  };
}
