// Locks in that real Coral agents run unchanged on the pool server, driven by the third-party
// Python clients (the official `mcp` SDK 1.x and 2.x, and `langchain-mcp-adapters` 0.1.x as
// production pins it, and the newest) against a real gateway process with its default limits,
// over both transports and both Coral generations:
// - production's connection-per-call loop (a wait on one connection, replies on others, two tool
//   calls of one turn in parallel), with the pool ready throughout and nothing redelivered;
// - a reconnect while a wait is parked (the parked wait survives and gets the message);
// - idle for longer than the keepalive interval;
// - the largest legal message and one over the limit (a readable error; the session lives on);
// - Streamable HTTP sessions closed with DELETE and freed.
import { HAS_LANGCHAIN, PYTHON_CLIENTS, runCoralClient } from '@pardon/test-env';
import { Player } from '@pardon/topology';
import {
  dialect,
  succeeded,
  useGameGateway,
  type Generation,
  type Transport,
} from './support/game-gateway';

const GENERATIONS: Generation[] = ['coral-1.0', 'coral-1.2'];
const TRANSPORTS: Transport[] = ['sse', 'streamable'];
const KEEPALIVE_MS = 1_000;

describe('Coral agents written for either generation, on third-party Python clients', () => {
  const gw = useGameGateway({ AGENT_KEEPALIVE_MS: String(KEEPALIVE_MS) });

  /** Polls pool-0's readiness until `done` settles; the states seen, in order. */
  function watchReadiness(done: Promise<unknown>): Promise<boolean[]> {
    const seen: boolean[] = [];
    let finished = false;
    void done.finally(() => (finished = true));
    return (async () => {
      while (!finished) {
        const health = (await (await fetch(`${gw().baseUrl}/health`)).json()) as {
          pools: Array<{ ready: boolean }>;
        };
        const ready = health.pools[0]?.ready ?? false;
        if (seen.at(-1) !== ready) seen.push(ready);
        await new Promise((r) => setTimeout(r, 100));
      }
      return seen;
    })();
  }

  /** Resolves once both agents count as present on pool-0 (the pool takes players). */
  async function untilReady(deadlineMs = 20_000): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      const health = (await (await fetch(`${gw().baseUrl}/health`)).json()) as {
        pools: Array<{ ready: boolean }>;
      };
      if (health.pools[0]?.ready) return;
      if (Date.now() > deadline) throw new Error('pool-0 never became ready');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const combos = GENERATIONS.flatMap((g) => TRANSPORTS.map((t) => [g, t] as const));

  describe.each(PYTHON_CLIENTS.filter((n) => HAS_LANGCHAIN[n]))('%s: production’s loop', (name) => {
    it.each(combos)(
      '%s over %s: waits on one connection, replies on others in parallel, the pool stays ready',
      async (generation, transport) => {
        const d = dialect(generation);
        const a = gw().endpoint(generation, transport, 'agent-a');
        const b = gw().endpoint(generation, transport, 'agent-b');
        const player = new Player(gw().baseUrl);
        const script = runCoralClient({
          python: gw().python(name),
          url: a.url,
          transport,
          headers: a.headers,
          steps: [
            // agent-b makes one call: it counts as present for the grace period after it.
            { op: 'lc_call', url: b.url, headers: b.headers, tool: d.wait, args: d.waitArgs(0) },
            // agent-a parks a wait on a connection of its own until the player writes.
            {
              op: 'lc_call',
              id: 'w',
              background: true,
              tool: d.wait,
              args: d.waitArgs(20_000),
              timeout: 40,
            },
            { op: 'await', id: 'w' },
            // One turn's two replies, each on its own connection, at once.
            {
              op: 'parallel',
              steps: [1, 2].map((n) => ({
                op: 'lc_call',
                tool: 'coral_send_message',
                args: {
                  threadId: { $ref: d.waitedRef('w', 'threadId') },
                  content: `reply ${n}`,
                  mentions: [player.wallet],
                },
              })),
            },
            // Nothing comes back: the mention was read, whichever connection took it.
            { op: 'lc_call', id: 'again', tool: d.wait, args: d.waitArgs(500) },
          ],
        }).then(succeeded);
        try {
          await untilReady();
          const readiness = watchReadiness(script);
          await player.signIn();
          const threadId = await player.openThread('agent-a');
          await player.say(threadId, 'pardon me');
          const run = await script;

          expect(d.waitedText(run.step('w')['json'])).toBe('pardon me');
          expect(d.timedOut(run.step('again')['json'])).toBe(true);
          const contents = (await player.messages(threadId)).map((m) => m.content);
          expect(contents.slice(0, 1)).toEqual(['pardon me']);
          expect(contents.slice(1).sort()).toEqual(['reply 1', 'reply 2']);
          expect(await readiness).toEqual([true]);
        } finally {
          await script.catch(() => undefined);
          await player.close();
        }
      },
    );
  });

  describe.each(PYTHON_CLIENTS)('%s: connections, limits and keepalives', (name) => {
    it.each(combos)('%s over %s', async (generation, transport) => {
      const d = dialect(generation);
      const a = gw().endpoint(generation, transport, 'agent-a');
      const b = gw().endpoint(generation, transport, 'agent-b');
      const sessionsBefore = await gw().openSessions(transport);
      const run = succeeded(
        await runCoralClient({
          python: gw().python(name),
          url: a.url,
          transport,
          headers: a.headers,
          steps: [
            { op: 'connect', conn: 'a1' },
            {
              op: 'call',
              conn: 'a1',
              id: 'parked',
              background: true,
              tool: d.wait,
              args: d.waitArgs(20_000),
              timeout: 40,
            },
            // The same agent connects again while its wait is parked: nothing is closed.
            { op: 'connect', conn: 'a2' },
            { op: 'connect', conn: 'b', url: b.url, headers: b.headers },
            {
              op: 'call',
              conn: 'b',
              id: 'thread',
              tool: 'coral_create_thread',
              args: d.createArgs('deal', ['agent-a']),
            },
            {
              op: 'call',
              conn: 'b',
              tool: 'coral_send_message',
              args: {
                threadId: { $ref: 'thread.json.thread.id' },
                content: 'psst',
                mentions: ['agent-a'],
              },
            },
            { op: 'await', id: 'parked' },
            // Idle for longer than the keepalive interval, then both connections still work.
            { op: 'sleep', seconds: (KEEPALIVE_MS * 2.5) / 1000 },
            { op: 'call', conn: 'a1', id: 'after-idle', tool: d.wait, args: d.waitArgs(0) },
            // The largest legal message (JSON-escaped: 600,000 bytes) and one character more.
            {
              op: 'call',
              conn: 'a2',
              id: 'largest',
              tool: 'coral_send_message',
              args: {
                threadId: { $ref: 'thread.json.thread.id' },
                content: { $repeat: ['é', 100_000] },
                mentions: [],
              },
            },
            {
              op: 'call',
              conn: 'a2',
              id: 'over',
              tool: 'coral_send_message',
              args: {
                threadId: { $ref: 'thread.json.thread.id' },
                content: { $repeat: ['x', 100_001] },
                mentions: [],
              },
            },
            { op: 'call', conn: 'a2', id: 'survived', tool: d.wait, args: d.waitArgs(0) },
            // Last opened, first closed: the SDKs' task groups nest in one Python task.
            { op: 'close', conn: 'b' },
            { op: 'close', conn: 'a2' },
            { op: 'close', conn: 'a1' },
          ],
        }),
      );
      expect(d.waitedText(run.step('parked')['json'])).toBe('psst');
      expect(d.timedOut(run.step('after-idle')['json'])).toBe(true);
      expect(run.step('largest')['isError']).toBe(false);
      const over = run.step('over');
      expect(over['isError']).toBe(true);
      expect(JSON.stringify(over['content'])).toMatch(/100000|too_big|at most/i);
      expect(run.step('survived')['isError']).toBe(false);
      // Every session was closed (Streamable HTTP with DELETE) and freed on the server.
      expect(run.logs.filter((l) => /termination failed|error/i.test(String(l.log)))).toEqual([]);
      const deadline = Date.now() + 10_000;
      while ((await gw().openSessions(transport)) !== sessionsBefore && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await gw().openSessions(transport)).toBe(sessionsBefore);
    });
  });
});
