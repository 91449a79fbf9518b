// Locks in how a reply survives a gateway that cannot store it for a while (PostgreSQL restarting):
// `persist_failed` and a lost call are retried with full-jitter backoff within a budget, through a
// real MCP client and server linked in memory on a PoolBus whose `beforeSend` fails; permanent
// refusals are not retried. Once per Coral dialect (the 1.0 and the 1.2 tools).
import pino from 'pino';
import { PoolBus, type BeforeSendHook } from '@pardon/coral';
import { connectCoral12Agent, connectCoralAgent, createTestBus } from '@pardon/coral/testing';
import {
  CORAL_DIALECTS,
  coral10Port,
  coral12Port,
  type CoralDialect,
  type CoralPort,
} from '../src/lib/coral';
import { sendWithRetry, type SendRetryOptions } from '../src/lib/send-retry';

const PLAYER = '7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU';
const AGENT = 'cz';

/** Records what the code under test logs. */
function recordingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}

/** A `beforeSend` that refuses the first `failures` calls, then stores (counting every call). */
function failingStore(failures: number) {
  const calls = { total: 0, keys: [] as Array<string | undefined> };
  let next = 0;
  const hook: BeforeSendHook = async (draft) => {
    calls.total++;
    calls.keys.push(draft.idempotencyKey);
    if (calls.total <= failures) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    return { id: `stored-${++next}`, timestamp: Date.now() };
  };
  return { hook, calls };
}

/** No real waiting: records the delays asked for. */
function instantSleep(delays: number[]) {
  return async (ms: number, signal?: AbortSignal) => {
    signal?.throwIfAborted();
    delays.push(ms);
  };
}

const opened: Array<{ close(): Promise<void> }> = [];
let bus: PoolBus;
let dialect: CoralDialect;

async function connect(): Promise<CoralPort> {
  if (dialect === 'coral-1.2') {
    const agent = await connectCoral12Agent(bus, { agentId: AGENT });
    opened.push(agent);
    return coral12Port(agent.coral);
  }
  const agent = await connectCoralAgent(bus, { agentId: AGENT });
  opened.push(agent);
  return coral10Port(agent.coral);
}

async function setUp(hook?: BeforeSendHook): Promise<{ coral: CoralPort; threadId: string }> {
  bus = createTestBus(hook ? { beforeSend: hook } : {});
  const coral = await connect();
  const threadId = bus.createThread({
    name: 'player ↔ cz',
    creatorId: PLAYER,
    participantIds: [AGENT],
  }).id;
  return { coral, threadId };
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((a) => a.close()));
  bus.close();
});

function options(delays: number[], budgetMs = 60_000): SendRetryOptions {
  return {
    budgetMs,
    policy: { baseMs: 100, capMs: 1_000 },
    random: () => 1,
    sleep: instantSleep(delays),
  };
}

describe.each(CORAL_DIALECTS)('sendWithRetry (%s)', (d) => {
  beforeEach(() => {
    dialect = d;
  });

  it('retries persist_failed until the store is back and stores the reply exactly once', async () => {
    const store = failingStore(3);
    const { coral, threadId } = await setUp(store.hook);
    const { logger, lines } = recordingLogger();
    const delays: number[] = [];
    const outcome = await sendWithRetry(
      async () => coral,
      { threadId, content: 'back in business', mentions: [PLAYER], idempotencyKey: 'reply-1' },
      options(delays),
      logger,
    );
    // The stored message in the agent's shape, whichever dialect carried it.
    expect(outcome).toMatchObject({
      kind: 'sent',
      message: {
        id: 'stored-1',
        threadId,
        senderId: AGENT,
        content: 'back in business',
        mentions: [PLAYER],
      },
    });
    expect(outcome.kind === 'sent' && typeof outcome.message.timestamp).toBe('number');
    expect(store.calls.total).toBe(4);
    // Every attempt names the same message, so the store can recognise a retry of a stored one.
    expect(store.calls.keys).toEqual(['reply-1', 'reply-1', 'reply-1', 'reply-1']);
    const stored = bus.getThread(threadId)?.messages ?? [];
    expect(stored.map((m) => [m.senderId, m.content])).toEqual([[AGENT, 'back in business']]);
    // Full jitter with random() = 1 waits the whole ceiling: base · 2^(n-1).
    expect(delays).toEqual([100, 200, 400]);
    const retries = lines.filter((l) => l['msg'] === 'reply not stored yet, retrying');
    expect(retries.map((l) => l['attempt'])).toEqual([1, 2, 3]);
    expect(String(retries[0]?.['err'])).toMatch(/persist_failed/);
  });

  it('does not retry a permanent refusal such as a closed thread', async () => {
    const store = failingStore(0);
    const { coral, threadId } = await setUp(store.hook);
    bus.closeThread(threadId, 'player left');
    let calls = 0;
    const counting: CoralPort = {
      ...coral,
      sendMessage: (args) => {
        calls++;
        return coral.sendMessage(args);
      },
    };
    const delays: number[] = [];
    const outcome = await sendWithRetry(
      async () => counting,
      { threadId, content: 'too late', mentions: [PLAYER] },
      options(delays),
      recordingLogger().logger,
    );
    expect(outcome.kind).toBe('refused');
    expect(outcome).toMatchObject({ kind: 'refused', code: 'thread_closed' });
    expect(calls).toBe(1);
    expect(delays).toEqual([]);
    expect(store.calls.total).toBe(0);
  });

  it('does not retry an invalid mention', async () => {
    const { coral, threadId } = await setUp();
    const delays: number[] = [];
    const outcome = await sendWithRetry(
      async () => coral,
      { threadId, content: 'hello stranger', mentions: ['trump-eric'] },
      options(delays),
      recordingLogger().logger,
    );
    expect(outcome).toMatchObject({ kind: 'refused', code: 'invalid_mention' });
    expect(delays).toEqual([]);
  });

  it('gives up after the budget, with the last error', async () => {
    const store = failingStore(Number.POSITIVE_INFINITY);
    const { coral, threadId } = await setUp(store.hook);
    let clock = 0;
    const delays: number[] = [];
    const outcome = await sendWithRetry(
      async () => coral,
      { threadId, content: 'never stored', mentions: [PLAYER] },
      {
        budgetMs: 1_000,
        policy: { baseMs: 100, capMs: 1_000 },
        random: () => 1,
        now: () => clock,
        sleep: async (ms) => {
          delays.push(ms);
          clock += ms;
        },
      },
      recordingLogger().logger,
    );
    expect(outcome).toMatchObject({
      kind: 'gave_up',
      lastError: expect.stringMatching(/persist_failed/),
    });
    // 100 + 200 + 400 = 700 ms, then only the 300 ms left of the budget, then one last attempt.
    expect(delays).toEqual([100, 200, 400, 300]);
    expect(store.calls.total).toBe(5);
    expect(bus.getThread(threadId)?.messages).toEqual([]);
  });

  it('retries a call that failed in transit (connection lost) with the next connection', async () => {
    const { coral, threadId } = await setUp();
    let attempt = 0;
    const delays: number[] = [];
    const outcome = await sendWithRetry(
      async () => {
        attempt++;
        if (attempt === 1) throw new Error('no connection to pool-test within 60000 ms');
        if (attempt === 2) {
          return {
            ...coral,
            sendMessage: async () => {
              throw new Error('MCP error -32000: Connection closed');
            },
          };
        }
        return coral;
      },
      { threadId, content: 'made it', mentions: [PLAYER] },
      options(delays),
      recordingLogger().logger,
    );
    expect(outcome.kind).toBe('sent');
    expect(attempt).toBe(3);
    expect(bus.getThread(threadId)?.messages.map((m) => m.content)).toEqual(['made it']);
  });

  it('stops at once when the agent stops', async () => {
    const store = failingStore(Number.POSITIVE_INFINITY);
    const { coral, threadId } = await setUp(store.hook);
    const stop = new AbortController();
    const sending = sendWithRetry(
      async () => coral,
      { threadId, content: 'abandoned', mentions: [PLAYER] },
      { budgetMs: 60_000, policy: { baseMs: 60_000, capMs: 60_000 }, random: () => 1 },
      recordingLogger().logger,
      stop.signal,
    );
    while (store.calls.total === 0) await new Promise((r) => setTimeout(r, 5));
    stop.abort(new Error('agent stopping'));
    await expect(sending).rejects.toThrow('agent stopping');
  });
});
