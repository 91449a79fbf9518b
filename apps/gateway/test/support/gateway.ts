import { loadConfig, type GatewayConfig } from '../../src/config';
import { createServer, type GatewayServer } from '../../src/server';

export const AGENT_KEY = 'test-agent-key-0123456789';
export const CRON_SECRET = 'test-cron-secret-0123456789';
export const TOKEN_SECRET = 'test-token-secret-0123456789-abcdefghij';

export interface TestGateway {
  url: string;
  config: GatewayConfig;
  server: GatewayServer;
  close(): Promise<void>;
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
    REQUIRED_AGENTS: 'agent-a,agent-b',
    AGENT_API_KEY: AGENT_KEY,
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
