import { loadConfig, type GatewayConfig } from '../../src/config';
import { createServer, type GatewayServer } from '../../src/server';

import { agentSecretEnvName } from '@pardon/coral';

/** Each test agent's own secret (the gateway refuses any other for that agent id). */
export const agentSecretOf = (agentId: string): string =>
  `test-secret-${agentId}-0123456789abcdef0123456789`;
/** The roster of the test gateways: `agent-a`, `agent-b`, plus extras for some tests. */
export const TEST_ROSTER = ['agent-a', 'agent-b'] as const;

/** `AGENT_SECRET_<ID>` for each id: the gateway's half of the agents' identities. */
export function agentSecretsEnv(ids: readonly string[]): Record<string, string> {
  return Object.fromEntries(ids.map((id) => [agentSecretEnvName(id), agentSecretOf(id)]));
}
export const CRON_SECRET = 'test-cron-secret-0123456789';
export const TOKEN_SECRET = 'test-token-secret-0123456789-abcdefghij';

export interface TestGateway {
  url: string;
  config: GatewayConfig;
  server: GatewayServer;
  close(): Promise<void>;
}

function extraAgents(overrides: Record<string, string | undefined>): string[] {
  const ids = [overrides['REQUIRED_AGENTS'], overrides['EXTRA_AGENTS']]
    .flatMap((v) => (v ?? '').split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  return [...new Set(ids)];
}

/** Test environment for a gateway on a loopback port, with overrides as env strings. */
export function testEnv(
  databaseUrl: string,
  overrides: Record<string, string | undefined> = {},
): Record<string, string> {
  const env: Record<string, string | undefined> = {
    PORT: '0',
    HOST: '127.0.0.1',
    POOL_COUNT: '2',
    POOL_CAPACITY: '30',
    REQUIRED_AGENTS: TEST_ROSTER.join(','),
    ...agentSecretsEnv([...TEST_ROSTER, ...extraAgents(overrides)]),
    TOKEN_SECRET,
    CRON_SECRET,
    TASK_ID: `test-task-${process.pid}`,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'silent',
    SSE_HEARTBEAT_MS: '1000',
    ...overrides,
  };
  return Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined),
  );
}

export async function startGateway(
  databaseUrl: string,
  overrides: Record<string, string | undefined> = {},
  options: { logStream?: { write(line: string): void } } = {},
): Promise<TestGateway> {
  const config = loadConfig(testEnv(databaseUrl, overrides));
  const server = await createServer(config, options);
  const url = await server.listen();
  return { url, config, server, close: () => server.close() };
}

/** A fresh migrated database for one test file, with `query` to inspect it; the file drops it. */
export { openTestDb as createTestDb, type TestDb } from '@pardon/test-env';
