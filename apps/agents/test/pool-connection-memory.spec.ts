// An agent's connection to a pool lives for hours and takes on every mention of the pool: once a
// mention is answered, nothing of it may stay reachable from the connection (only its id, in the
// bounded `taken` set). Checked with real garbage collection: a mention still referenced after
// its reply is memory that grows with every message the agent ever received.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import pino from 'pino';
import type { CoralMessage } from '@pardon/coral';
import { CORAL_DIALECTS } from '../src/lib/coral';
import { HealthRegistry } from '../src/lib/health';
import { PoolConnection } from '../src/lib/pool-connection';
import { InMemoryCoral, until } from './support/in-memory-coral';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const PLAYER = '7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU';
const AGENT = 'trump-donald';

describe.each(CORAL_DIALECTS)('a pool connection (%s)', (dialect) => {
  it('keeps nothing of the mentions it has answered', async () => {
    const coral = new InMemoryCoral(['pool-0'], { dialect });
    const refs: Array<WeakRef<CoralMessage>> = [];
    const connection = new PoolConnection({
      pool: 'pool-0',
      agentId: AGENT,
      connector: coral.connectorFor(AGENT),
      handler: async (message) => {
        refs.push(new WeakRef(message));
        return true;
      },
      logger: pino({ level: 'silent' }),
      health: new HealthRegistry(AGENT, ['pool-0']),
      concurrency: 4,
      waitTimeoutMs: 2_000,
    });
    connection.start();
    try {
      const threadId = coral.openThread('pool-0', PLAYER, AGENT);
      const mentions = 10;
      for (let i = 0; i < mentions; i++) {
        await coral.say('pool-0', threadId, PLAYER, AGENT, `message ${i}`);
        await until(() => refs.length > i, 5_000, `mention ${i} taken on`);
      }
      await connection.whenIdle();
      // Collected over a few turns of the event loop (settled promises let go of their values).
      const deadline = Date.now() + 5_000;
      let alive = mentions;
      while (Date.now() < deadline) {
        gc();
        alive = refs.filter((ref) => ref.deref() !== undefined).length;
        if (alive <= 1) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      // The latest mention may still be held by the wait loop's current iteration.
      expect(alive).toBeLessThanOrEqual(1);
    } finally {
      await connection.stop();
      await coral.close();
    }
  });
});
