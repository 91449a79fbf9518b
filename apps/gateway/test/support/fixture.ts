import { openTestDb, type TestDb } from '@pardon/test-env';
import { connectRoster, runEcho, type TestAgent } from './agents';
import { agentSecretOf, startGateway, type TestGateway } from './gateway';

export interface GatewayFixture {
  readonly db: TestDb;
  readonly gw: TestGateway;
}

/**
 * A test file's gateway: a fresh database, a gateway process-in-test on a loopback port and (by
 * default) agents `agent-a`/`agent-b` connected to both pools over SSE (`echo`: each answers every
 * mention with an echo), started in `beforeAll` and stopped
 * in `afterAll`. Read `db` and `gw` inside tests (they exist once `beforeAll` ran).
 */
export function useGateway(
  // A function when the environment is known only once other beforeAll hooks ran (a chain's URL).
  env: Record<string, string | undefined> | (() => Record<string, string | undefined>) = {},
  options: { agents?: boolean; echo?: boolean; logStream?: { write(line: string): void } } = {},
): GatewayFixture {
  let db: TestDb | undefined;
  let gw: TestGateway | undefined;
  let agents: TestAgent[] = [];
  const echoes: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    db = await openTestDb();
    gw = await startGateway(db.url, typeof env === 'function' ? env() : env, {
      logStream: options.logStream,
    });
    if (options.agents !== false) {
      agents = await connectRoster(
        gw.url,
        agentSecretOf,
        ['pool-0', 'pool-1'],
        ['agent-a', 'agent-b'],
      );
      if (options.echo) for (const a of agents) echoes.push(runEcho(a));
    }
  });
  afterAll(async () => {
    await Promise.all(echoes.map((stop) => stop()));
    await Promise.all(agents.map((a) => a.close()));
    await gw?.close();
    await db?.drop();
  });
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not started yet (use it inside a test)`);
    return value;
  };
  return {
    get db() {
      return ready(db, 'the test database');
    },
    get gw() {
      return ready(gw, 'the gateway');
    },
  };
}
