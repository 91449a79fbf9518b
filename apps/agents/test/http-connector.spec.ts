// Locks in what the agent sends over real HTTP in each Coral dialect and transport, started from
// its environment alone (no injected connector): Coral 1.0 at `/sse/v1/devmode/{app}/{key}/{pool}/sse`
// (or `/mcp/v1/devmode/…/mcp`) with `Authorization: Bearer <AGENT_SECRET>` on every request, the
// stream's GET included; Coral 1.2 at `/mcp/v1/{segment}/sse/` (or `…/mcp`), the segment derived
// from AGENT_SECRET and the pool, with no Authorization header. A wrong secret does not connect.
import pino from 'pino';
import { coralAgentPathSecret } from '@pardon/coral';
import { startAgent, type RunningAgent } from '../src/lib/agent';
import { loadConfig } from '../src/lib/config';
import { HttpCoral } from './support/http-coral';
import { until } from './support/in-memory-coral';

const POOLS = ['pool-0', 'pool-1'];
const PLAYER = '7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU';
const SECRET = 'cz-own-secret-0123456789abcdef-xyz';
const logger = pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });

let coral: HttpCoral;
let agent: RunningAgent | undefined;

beforeEach(async () => {
  coral = await new HttpCoral(POOLS, { cz: SECRET }).listen();
});

afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  await coral.close();
});

function start(env: Record<string, string>): Promise<RunningAgent> {
  return startAgent(
    loadConfig({
      AGENT_ID: 'cz',
      CORAL_SSE_URL: `${coral.baseUrl}/sse/v1/devmode/app/priv`,
      CORAL_SESSIONS: POOLS.join(','),
      AGENT_SECRET: SECRET,
      AGENT_LATENCY_MS: '0',
      CORAL_WAIT_TIMEOUT_MS: '2000',
      AGENT_RECONNECT_BASE_MS: '20',
      AGENT_RECONNECT_MAX_MS: '100',
      AGENT_SHUTDOWN_DRAIN_MS: '0',
      // Now and then an SSE stream request after a refused one is never answered here (undici
      // under Jest); the bound of one attempt is what gets the agent past such a stuck attempt.
      AGENT_CONNECT_TIMEOUT_MS: '1000',
      ...env,
    }),
    { logger },
  );
}

/** A player message to cz in `pool`, and cz's answer. */
async function converse(pool: string): Promise<void> {
  const bus = coral.bus(pool);
  const threadId = bus.createThread({
    name: 'p ↔ cz',
    creatorId: PLAYER,
    participantIds: ['cz'],
  }).id;
  await bus.sendMessage({ threadId, senderId: PLAYER, content: 'gm CZ', mentions: ['cz'] });
  await until(() => (bus.getThread(threadId)?.messages.length ?? 0) >= 2, 5_000, 'a reply');
  expect(bus.getThread(threadId)?.messages[1]).toMatchObject({
    senderId: 'cz',
    mentions: [PLAYER],
  });
}

describe.each(['sse', 'streamable-http'] as const)(
  'agent over HTTP, CORAL_TRANSPORT=%s',
  (kind) => {
    it('CORAL_DIALECT=coral-1.0: devmode URLs, the own secret as bearer on every request', async () => {
      agent = await start({ CORAL_DIALECT: 'coral-1.0', CORAL_TRANSPORT: kind });
      await until(() => agent?.health.ready === true, 5_000, 'all pools ready');
      for (const pool of POOLS) await converse(pool);
      const paths = new Set(coral.requests.map((r) => r.path));
      for (const pool of POOLS) {
        expect(paths).toContain(
          kind === 'sse'
            ? `/sse/v1/devmode/app/priv/${pool}/sse`
            : `/mcp/v1/devmode/app/priv/${pool}/mcp`,
        );
      }
      if (kind === 'sse') expect(paths).toContain('/api/v1/message/devmode/app/priv/pool-0');
      expect(coral.requests.length).toBeGreaterThan(4);
      for (const request of coral.requests) expect(request.authorization).toBe(`Bearer ${SECRET}`);
    });

    it('CORAL_DIALECT=coral-1.2: the secret path segment per pool, no Authorization header', async () => {
      agent = await start({ CORAL_DIALECT: 'coral-1.2', CORAL_TRANSPORT: kind });
      await until(() => agent?.health.ready === true, 5_000, 'all pools ready');
      for (const pool of POOLS) await converse(pool);
      const paths = new Set(coral.requests.map((r) => r.path));
      for (const pool of POOLS) {
        const segment = coralAgentPathSecret(SECRET, pool);
        expect(paths).toContain(
          kind === 'sse' ? `/mcp/v1/${segment}/sse/` : `/mcp/v1/${segment}/mcp`,
        );
      }
      expect(paths.size).toBe(POOLS.length);
      for (const request of coral.requests) expect(request.authorization).toBeUndefined();
      expect(coral.requests.some((r) => r.path.includes(SECRET))).toBe(false);
    });

    it.each(['coral-1.0', 'coral-1.2'])(
      'CORAL_DIALECT=%s: with a wrong secret the agent is refused and keeps retrying',
      async (dialect) => {
        agent = await start({
          CORAL_DIALECT: dialect,
          CORAL_TRANSPORT: kind,
          AGENT_SECRET: 'not-the-secret-of-cz-0123456789abcdef',
        });
        await until(
          () => (agent?.health.snapshot().pools['pool-0']?.attempt ?? 0) >= 2,
          5_000,
          'retries',
        );
        expect(agent.health.ready).toBe(false);
        expect(coral.bus('pool-0').isConnected('cz')).toBe(false);
      },
    );
  },
);
