// Locks in the seams the gateway builds on: persist-before-deliver, observers, materialisation of
// threads from storage with deliver-once of unanswered messages, closing from outside, and stats.
// Agents are real MCP clients where delivery to an agent matters.
import {
  CoralError,
  PoolBus,
  type MessageDraft,
  type PersistedMessageRef,
  type PoolBusEvent,
} from '../src';
import { ReadCursors } from '../src/lib/read-cursors';
import { runAgentCall } from '../src/lib/agent-calls';
import {
  buildThreadHistory,
  connectCoralAgent,
  createTestBus,
  type ConnectedCoralAgent,
} from '../src/testing';

const WALLET = '7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU';

let open: ConnectedCoralAgent[] = [];
let buses: PoolBus[] = [];

afterEach(async () => {
  await Promise.all(open.map((agent) => agent.close()));
  for (const bus of buses) bus.close();
  open = [];
  buses = [];
});

function newBus(options: Partial<ConstructorParameters<typeof PoolBus>[0]> = {}): PoolBus {
  const bus = createTestBus(options);
  buses.push(bus);
  return bus;
}

async function agent(bus: PoolBus, agentId: string): Promise<ConnectedCoralAgent> {
  const connected = await connectCoralAgent(bus, { agentId });
  open.push(connected);
  return connected;
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

async function untilWaiting(bus: PoolBus, agentId: string): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!bus.isWaiting(agentId)) {
    if (Date.now() > deadline) throw new Error(`${agentId} never parked a wait`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

function playerThread(bus: PoolBus, id = 'thread-1', agentId = 'trump-donald') {
  return bus.createThread({
    id,
    name: `${WALLET}:${agentId}`,
    creatorId: WALLET,
    participantIds: [agentId],
  });
}

describe('persist before deliver', () => {
  it('stores an agent reply through beforeSend before anyone sees it, under the stored id', async () => {
    const drafts: MessageDraft[] = [];
    const gate = deferred<PersistedMessageRef>();
    const events: PoolBusEvent[] = [];
    const bus = newBus({
      beforeSend: (draft) => {
        drafts.push(draft);
        return gate.promise;
      },
    });
    const donald = await agent(bus, 'trump-donald');
    const melania = await agent(bus, 'trump-melania');
    const created = await donald.coral.createThread({
      threadName: 'family',
      participantIds: ['trump-melania'],
    });
    if (created.result !== 'create_thread_success') throw new Error('no thread');
    bus.subscribe((event) => events.push(event));
    const waiting = melania.coral.waitForMentions({ timeoutMs: 5_000 });
    await untilWaiting(bus, 'trump-melania');

    const sending = donald.coral.sendMessage({
      threadId: created.thread.id,
      content: 'dinner?',
      mentions: ['trump-melania'],
    });
    const deadline = Date.now() + 2_000;
    while (drafts.length === 0 && Date.now() < deadline) {
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    expect(drafts).toEqual([
      {
        poolId: 'pool-test',
        threadId: created.thread.id,
        threadName: 'family',
        senderId: 'trump-donald',
        content: 'dinner?',
        mentions: ['trump-melania'],
      },
    ]);
    expect(bus.getThread(created.thread.id)?.messages).toEqual([]);
    expect(events).toEqual([]);
    expect(bus.isWaiting('trump-melania')).toBe(true);

    gate.resolve({ id: 'db-42', timestamp: 1_234 });
    expect(await sending).toMatchObject({
      result: 'send_message_success',
      message: { id: 'db-42', timestamp: 1_234 },
    });
    expect(await waiting).toMatchObject({
      result: 'wait_for_mentions_success',
      messages: [{ id: 'db-42', content: 'dinner?' }],
    });
    expect(events.map((event) => event.type)).toEqual(['message_sent']);
  });

  it('fails the send and changes nothing when storing fails', async () => {
    const bus = newBus({ beforeSend: () => Promise.reject(new Error('database down')) });
    const donald = await agent(bus, 'trump-donald');
    playerThread(bus);
    const events: PoolBusEvent[] = [];
    bus.subscribe((event) => events.push(event));
    expect(
      await donald.coral.sendMessage({ threadId: 'thread-1', content: 'hi', mentions: [WALLET] }),
    ).toMatchObject({ result: 'error', code: 'persist_failed' });
    expect(bus.getThread('thread-1')?.messages).toEqual([]);
    expect(events).toEqual([]);
  });

  it("hands beforeSend the sender's idempotency key over MCP, and none when it sent none", async () => {
    const drafts: MessageDraft[] = [];
    let next = 0;
    const bus = newBus({
      beforeSend: async (draft) => {
        drafts.push(draft);
        next += 1;
        return { id: `db-${next}`, timestamp: next };
      },
    });
    const donald = await agent(bus, 'trump-donald');
    playerThread(bus);
    const args = { threadId: 'thread-1', content: 'hi', mentions: [WALLET] };
    expect(await donald.coral.sendMessage({ ...args, idempotencyKey: 'reply-7' })).toMatchObject({
      result: 'send_message_success',
    });
    expect(await donald.coral.sendMessage(args)).toMatchObject({ result: 'send_message_success' });
    expect(drafts.map((d) => d.idempotencyKey)).toEqual(['reply-7', undefined]);
    expect('idempotencyKey' in (drafts[1] ?? {})).toBe(false);
    expect(await donald.coral.sendMessage({ ...args, idempotencyKey: '' })).toMatchObject({
      result: 'tool_input_error',
    });
    expect(drafts).toHaveLength(2);
  });

  it('does not call beforeSend for a refused message', async () => {
    const beforeSend = jest.fn(async () => ({ id: 'x', timestamp: 1 }));
    const bus = newBus({ beforeSend });
    playerThread(bus);
    await expect(
      bus.sendMessage({ threadId: 'thread-1', senderId: 'stranger', content: 'hi' }),
    ).rejects.toMatchObject({ code: 'not_participant' });
    expect(beforeSend).not.toHaveBeenCalled();
  });

  it('publishes a player message the gateway stored itself, under its id, once', async () => {
    const beforeSend = jest.fn(async () => ({ id: 'unused', timestamp: 1 }));
    const bus = newBus({ beforeSend });
    const donald = await agent(bus, 'trump-donald');
    playerThread(bus);
    const events: PoolBusEvent[] = [];
    bus.subscribe((event) => events.push(event));

    const input = {
      threadId: 'thread-1',
      senderId: WALLET,
      content: 'pardon me',
      mentions: ['trump-donald'],
    };
    const first = await bus.sendMessage(input, { id: 'db-1', timestamp: 10 });
    const retried = await bus.sendMessage(input, { id: 'db-1', timestamp: 10 });
    expect(retried).toBe(first);
    expect(beforeSend).not.toHaveBeenCalled();
    expect(events).toHaveLength(1);

    expect(await donald.coral.waitForMentions({ timeoutMs: 0 })).toEqual({
      result: 'wait_for_mentions_success',
      messages: [
        {
          id: 'db-1',
          threadId: 'thread-1',
          threadName: `${WALLET}:trump-donald`,
          senderId: WALLET,
          content: 'pardon me',
          timestamp: 10,
          mentions: ['trump-donald'],
        },
      ],
    });
    expect(await donald.coral.waitForMentions({ timeoutMs: 0 })).toEqual({
      result: 'error_timeout',
    });
  });

  it('records a message whose thread closed while it was being stored, but delivers it to nobody', async () => {
    const gate = deferred<PersistedMessageRef>();
    const bus = newBus({ beforeSend: () => gate.promise });
    await agent(bus, 'trump-donald');
    const melania = await agent(bus, 'trump-melania');
    bus.createThread({
      id: 't',
      name: 't',
      creatorId: 'trump-donald',
      participantIds: ['trump-melania'],
    });
    const sending = bus.sendMessage({
      threadId: 't',
      senderId: 'trump-donald',
      content: 'late',
      mentions: ['trump-melania'],
    });
    bus.closeThread('t', 'closed by lifecycle');
    gate.resolve({ id: 'db-9', timestamp: 5 });
    expect((await sending).id).toBe('db-9');
    expect(bus.getThread('t')?.messages.map((m) => m.id)).toEqual(['db-9']);
    expect(await melania.coral.waitForMentions({ timeoutMs: 0 })).toEqual({
      result: 'error_timeout',
    });
  });
});

describe('constant-time thread queries', () => {
  it("answers each sender's newest message as messages are sent and after a rebuild", async () => {
    const bus = newBus();
    bus.createThread({ id: 't', name: 't', creatorId: 'a', participantIds: ['b'] });
    expect(bus.lastMessageOf('t', 'a')).toBeUndefined();
    const first = await bus.sendMessage({
      threadId: 't',
      senderId: 'a',
      content: '1',
      mentions: ['b'],
    });
    await bus.sendMessage({ threadId: 't', senderId: 'b', content: '2', mentions: ['a'] });
    expect(bus.lastMessageOf('t', 'a')?.id).toBe(first.id);
    const third = await bus.sendMessage({
      threadId: 't',
      senderId: 'a',
      content: '3',
      mentions: [],
    });
    expect(bus.lastMessageOf('t', 'a')?.id).toBe(third.id);
    expect(bus.lastMessageOf('t', 'b')?.content).toBe('2');
    expect(bus.lastMessageOf('missing', 'a')).toBeUndefined();

    bus.materializeThread({
      id: 'r',
      name: 'r',
      creatorId: 'a',
      participantIds: ['b'],
      messages: [
        { id: 'r-1', senderId: 'b', content: 'x', timestamp: 1, mentions: ['a'] },
        { id: 'r-2', senderId: 'a', content: 'y', timestamp: 2, mentions: ['b'] },
        { id: 'r-3', senderId: 'b', content: 'z', timestamp: 3, mentions: ['a'] },
      ],
    });
    expect(bus.lastMessageOf('r', 'b')?.id).toBe('r-3');
    expect(bus.lastMessageOf('r', 'a')?.id).toBe('r-2');
  });

  it('a parked wait looks only at the thread a new message arrived in', async () => {
    const bus = newBus();
    // An agent consulted in many threads: all of them hold messages it has not read.
    for (let t = 0; t < 50; t++) {
      bus.createThread({ id: `t${t}`, name: 't', creatorId: 'p', participantIds: ['b', 'c'] });
      await bus.sendMessage({ threadId: `t${t}`, senderId: 'p', content: 'x', mentions: ['b'] });
    }
    const wait = bus.waitForMessages('c', { filter: { kind: 'mentions' }, batch: false }, 60_000);
    const select = jest.spyOn(ReadCursors.prototype, 'select');
    try {
      for (let t = 0; t < 50; t++) {
        await bus.sendMessage({ threadId: `t${t}`, senderId: 'p', content: 'y', mentions: ['b'] });
      }
      expect(select.mock.calls.filter(([agentId]) => agentId === 'c')).toHaveLength(50);
      const mention = await bus.sendMessage({
        threadId: 't7',
        senderId: 'p',
        content: 'and you, c?',
        mentions: ['c'],
      });
      await expect(wait).resolves.toEqual({ kind: 'messages', messages: [mention] });
    } finally {
      select.mockRestore();
    }
  });

  it('gives a thread header without its messages, open or closed', () => {
    const bus = newBus();
    bus.createThread({ id: 't', name: 'n', creatorId: 'a', participantIds: ['b'] });
    expect(bus.threadHeader('t')).toEqual({
      id: 't',
      name: 'n',
      creatorId: 'a',
      participants: ['a', 'b'],
      isClosed: false,
      summary: null,
    });
    bus.closeThread('t', 'done');
    expect(bus.threadHeader('t')).toMatchObject({ isClosed: true, summary: 'done' });
    expect(bus.threadHeader('missing')).toBeUndefined();
  });
});

describe('observers', () => {
  it('see connections, thread lifecycle and every message, in order', async () => {
    const bus = newBus();
    const events: PoolBusEvent[] = [];
    bus.subscribe((event) => events.push(event));
    const donald = await agent(bus, 'trump-donald');
    await agent(bus, 'cz');
    playerThread(bus);
    await bus.sendMessage(
      { threadId: 'thread-1', senderId: WALLET, content: 'hi', mentions: ['trump-donald'] },
      { id: 'p1', timestamp: 1 },
    );
    await donald.coral.sendMessage({
      threadId: 'thread-1',
      content: 'tremendous',
      mentions: [WALLET],
    });
    bus.addParticipant('thread-1', 'cz');
    bus.removeParticipant('thread-1', 'cz');
    bus.closeThread('thread-1', 'expired');
    await donald.close();

    expect(events.map((event) => event.type)).toEqual([
      'agent_connected',
      'agent_connected',
      'thread_created',
      'message_sent',
      'message_sent',
      'participant_added',
      'participant_removed',
      'thread_closed',
      'agent_disconnected',
    ]);
    expect(events[2]).toEqual({
      type: 'thread_created',
      poolId: 'pool-test',
      materialized: false,
      thread: {
        id: 'thread-1',
        name: `${WALLET}:trump-donald`,
        creatorId: WALLET,
        participants: [WALLET, 'trump-donald'],
        isClosed: false,
        summary: null,
      },
    });
    expect(events[4]).toMatchObject({
      type: 'message_sent',
      message: { senderId: 'trump-donald', content: 'tremendous', mentions: [WALLET] },
    });
    expect(events[7]).toEqual({
      type: 'thread_closed',
      poolId: 'pool-test',
      threadId: 'thread-1',
      summary: 'expired',
    });
  });

  it('never break the bus when they throw, and can unsubscribe', async () => {
    const errors: unknown[] = [];
    const bus = newBus({ onListenerError: (error) => errors.push(error) });
    const seen: string[] = [];
    bus.subscribe(() => {
      throw new Error('observer bug');
    });
    const unsubscribe = bus.subscribe((event) => seen.push(event.type));
    playerThread(bus);
    unsubscribe();
    bus.closeThread('thread-1', 'done');
    expect(seen).toEqual(['thread_created']);
    expect(errors).toHaveLength(2);
    expect(bus.getThread('thread-1')?.isClosed).toBe(true);
  });
});

describe('materialising a thread from storage', () => {
  const history = buildThreadHistory([
    [WALLET, 'can I get a pardon?', ['trump-donald']],
    ['trump-donald', 'maybe', [WALLET]],
    [WALLET, 'what would it take?', ['trump-donald']],
  ]);

  it('delivers a trailing unanswered player message once, and not the answered ones', async () => {
    const bus = newBus();
    const donald = await agent(bus, 'trump-donald');
    const { created, thread } = bus.materializeThread({
      id: 'thread-1',
      name: 'rebuilt',
      creatorId: WALLET,
      participantIds: ['trump-donald'],
      messages: history,
    });
    expect(created).toBe(true);
    expect(thread.messages.map((m) => m.id)).toEqual(['m1', 'm2', 'm3']);
    expect(bus.readPosition('trump-donald', 'thread-1')).toBe(2);

    expect(await donald.coral.waitForMentions({ timeoutMs: 0 })).toMatchObject({
      result: 'wait_for_mentions_success',
      messages: [{ id: 'm3', content: 'what would it take?', threadId: 'thread-1' }],
    });
    expect(await donald.coral.waitForMentions({ timeoutMs: 0 })).toEqual({
      result: 'error_timeout',
    });
    expect(
      await donald.coral.sendMessage({
        threadId: 'thread-1',
        content: 'a lot',
        mentions: [WALLET],
      }),
    ).toMatchObject({ result: 'send_message_success' });
  });

  it('wakes an agent already waiting when the rebuilt thread holds an unanswered mention', async () => {
    const bus = newBus();
    const donald = await agent(bus, 'trump-donald');
    const waiting = donald.coral.waitForMentions({ timeoutMs: 5_000 });
    await untilWaiting(bus, 'trump-donald');
    bus.materializeThread({
      id: 'thread-1',
      name: 'rebuilt',
      creatorId: WALLET,
      participantIds: ['trump-donald'],
      messages: history,
    });
    expect(await waiting).toMatchObject({
      result: 'wait_for_mentions_success',
      messages: [{ id: 'm3' }],
    });
  });

  it('delivers nothing when every mention was answered', async () => {
    const bus = newBus();
    const donald = await agent(bus, 'trump-donald');
    bus.materializeThread({
      id: 'thread-1',
      name: 'rebuilt',
      creatorId: WALLET,
      participantIds: ['trump-donald'],
      messages: history.slice(0, 2),
    });
    expect(await donald.coral.waitForMentions({ timeoutMs: 0 })).toEqual({
      result: 'error_timeout',
    });
  });

  it('is idempotent: a second rebuild returns the live thread unchanged', async () => {
    const bus = newBus();
    const events: PoolBusEvent[] = [];
    bus.subscribe((event) => events.push(event));
    const input = {
      id: 'thread-1',
      name: 'rebuilt',
      creatorId: WALLET,
      participantIds: ['trump-donald'],
      messages: history,
    };
    bus.materializeThread(input);
    await bus.sendMessage({ threadId: 'thread-1', senderId: 'trump-donald', content: 'a lot' });
    const again = bus.materializeThread(input);
    expect(again.created).toBe(false);
    expect(again.thread.messages).toHaveLength(4);
    expect(events.filter((event) => event.type === 'thread_created')).toEqual([
      expect.objectContaining({ materialized: true }),
    ]);
    expect(bus.stats().openThreads).toBe(1);
  });

  it('honours explicit read positions and rebuilds closed threads without delivering', async () => {
    const bus = newBus();
    const donald = await agent(bus, 'trump-donald');
    bus.materializeThread({
      id: 'closed',
      name: 'old',
      creatorId: WALLET,
      participantIds: ['trump-donald'],
      messages: history,
      isClosed: true,
      summary: 'expired',
    });
    bus.materializeThread({
      id: 'explicit',
      name: 'x',
      creatorId: WALLET,
      participantIds: ['trump-donald'],
      messages: history,
      readPositions: { 'trump-donald': 0 },
    });
    expect(bus.getThread('closed')).toMatchObject({ isClosed: true, summary: 'expired' });
    expect(bus.stats().openThreads).toBe(1);
    expect(await donald.coral.waitForMentions({ timeoutMs: 0 })).toMatchObject({
      messages: [
        { id: 'm1', threadId: 'explicit' },
        { id: 'm3', threadId: 'explicit' },
      ],
    });
  });
});

describe('closing a thread from outside', () => {
  it('leaves a parked waiter parked, then lets it receive a mention from another thread', async () => {
    const bus = newBus();
    const donald = await agent(bus, 'trump-donald');
    playerThread(bus, 'thread-1');
    playerThread(bus, 'thread-2');
    const waiting = donald.coral.waitForMentions({ timeoutMs: 5_000 });
    await untilWaiting(bus, 'trump-donald');
    bus.closeThread('thread-1', 'session expired');
    expect(bus.isWaiting('trump-donald')).toBe(true);
    await bus.sendMessage(
      { threadId: 'thread-2', senderId: WALLET, content: 'still here', mentions: ['trump-donald'] },
      { id: 'p2' },
    );
    expect(await waiting).toMatchObject({ messages: [{ id: 'p2', threadId: 'thread-2' }] });
  });

  it('refuses closing an unknown or already closed thread with a CoralError', () => {
    const bus = newBus();
    playerThread(bus);
    bus.closeThread('thread-1', 'done');
    expect(() => bus.closeThread('thread-1', 'again')).toThrow(CoralError);
    expect(() => bus.closeThread('nope', 'x')).toThrow(
      expect.objectContaining({ code: 'thread_not_found' }),
    );
  });
});

describe('pool stats and readiness', () => {
  it('counts connected agents, open threads and waiters', async () => {
    const bus = newBus({ poolId: 'pool-3', presenceGraceMs: 0 });
    const donald = await agent(bus, 'trump-donald');
    await agent(bus, 'cz');
    playerThread(bus, 'a');
    playerThread(bus, 'b');
    playerThread(bus, 'c');
    bus.closeThread('b', 'done');
    const waiting = donald.coral.waitForMentions({ timeoutMs: 5_000 });
    await untilWaiting(bus, 'trump-donald');
    expect(bus.stats()).toEqual({
      poolId: 'pool-3',
      connectedAgents: ['cz', 'trump-donald'],
      openThreads: 2,
      totalThreads: 3,
      waitingAgents: ['trump-donald'],
    });
    expect(bus.missingAgents(['trump-donald', 'cz', 'trump-eric'])).toEqual(['trump-eric']);
    expect(bus.forgetThread('a')).toBe(true);
    expect(bus.forgetThread('b')).toBe(true);
    expect(bus.openThreads).toBe(1);
    await donald.close();
    expect(await waiting.catch(() => 'closed')).toBe('closed');
    expect(bus.stats().connectedAgents).toEqual(['cz']);
  });

  it('ends every parked wait when the bus closes', async () => {
    const bus = newBus();
    bus.connectAgent({ id: 'trump-donald' });
    const waiting = bus.waitForMentions('trump-donald', 5_000);
    bus.close();
    expect(await waiting).toEqual({ kind: 'aborted' });
    expect(() => playerThread(bus)).toThrow(/closed/);
  });

  it('refuses a thread id that is already on the bus', () => {
    const bus = newBus();
    playerThread(bus);
    expect(() => playerThread(bus)).toThrow(expect.objectContaining({ code: 'thread_exists' }));
  });
});

describe('redelivering unanswered mentions', () => {
  it('never redelivers because an agent connected again: only a rebuild of the thread does', async () => {
    const bus = newBus();
    const first = await agent(bus, 'trump-donald');
    playerThread(bus);
    await bus.sendMessage(
      { threadId: 'thread-1', senderId: WALLET, content: 'lost', mentions: ['trump-donald'] },
      { id: 'p1' },
    );
    expect(await first.coral.waitForMentions({ timeoutMs: 0 })).toMatchObject({
      messages: [{ id: 'p1' }],
    });
    // The agent's connection-per-call client opens a new connection for the next wait.
    const second = await agent(bus, 'trump-donald');
    expect(await second.coral.waitForMentions({ timeoutMs: 0 })).toEqual({
      result: 'error_timeout',
    });

    // Rebuilt on another bus (task restart): the unanswered p1 is delivered there once.
    const rebuilt = newBus();
    const third = await agent(rebuilt, 'trump-donald');
    rebuilt.materializeThread({
      id: 'thread-1',
      name: `${WALLET}:trump-donald`,
      creatorId: WALLET,
      participantIds: ['trump-donald'],
      messages: [
        { id: 'p1', senderId: WALLET, content: 'lost', timestamp: 1, mentions: ['trump-donald'] },
      ],
    });
    expect(await third.coral.waitForMentions({ timeoutMs: 0 })).toMatchObject({
      messages: [{ id: 'p1' }],
    });
    expect(await third.coral.waitForMentions({ timeoutMs: 0 })).toEqual({
      result: 'error_timeout',
    });
  });
});

describe('presence', () => {
  it('counts an agent as present for the grace period after its last call or connection', async () => {
    let now = 1_000;
    const bus = newBus({ now: () => now, presenceGraceMs: 30_000 });
    const conn = bus.connectAgent({ id: 'cz' });
    expect(bus.getAgent('cz')?.state).toBe('busy');
    conn.disconnect();
    now += 29_000;
    expect(bus.missingAgents(['cz'])).toEqual([]);
    const again = bus.connectAgent({ id: 'cz' });
    again.begin();
    again.end();
    again.disconnect();
    now += 29_999;
    expect(bus.isConnected('cz')).toBe(true);
    now += 1;
    expect(bus.isConnected('cz')).toBe(false);
    expect(bus.getAgent('cz')?.state).toBe('disconnected');
    expect(bus.missingAgents(['cz'])).toEqual(['cz']);
  });

  it('gives no grace to an agent whose connection dropped with a call under way', async () => {
    let now = 1_000;
    const bus = newBus({ now: () => now, presenceGraceMs: 30_000 });
    const conn = bus.connectAgent({ id: 'cz' });
    conn.begin();
    const parked = bus.waitForMentions('cz', 60_000, { signal: conn.signal });
    now += 1;
    conn.disconnect(); // the process was killed in its wait
    expect(await parked).toEqual({ kind: 'aborted' });
    conn.end(); // the call's own cleanup, after the connection is gone
    expect(bus.isConnected('cz')).toBe(false);
    expect(bus.missingAgents(['cz'])).toEqual(['cz']);
  });

  it('gives no grace to a long-lived connection that drops between its calls', () => {
    const bus = newBus({ presenceGraceMs: 30_000 });
    const conn = bus.connectAgent({ id: 'cz' });
    for (let i = 0; i < 3; i += 1) {
      conn.begin();
      conn.end();
    }
    conn.disconnect();
    expect(bus.isConnected('cz')).toBe(false);
    // A per-call connection (one call) keeps the grace.
    const once = bus.connectAgent({ id: 'cz' });
    once.begin();
    once.end();
    once.disconnect();
    expect(bus.isConnected('cz')).toBe(true);
  });

  it('gives no grace to a connection whose client cancelled a call before closing (a graceful stop)', () => {
    const bus = newBus({ presenceGraceMs: 30_000 });
    const conn = bus.connectAgent({ id: 'cz' });
    conn.begin();
    conn.end({ cancelled: true }); // the stopping agent ends its parked wait, then closes
    conn.disconnect();
    expect(bus.isConnected('cz')).toBe(false);
    expect(bus.missingAgents(['cz'])).toEqual(['cz']);
  });

  it('marks a call the client cancelled as such when it ends (runAgentCall)', async () => {
    const bus = newBus({ presenceGraceMs: 30_000 });
    const cancel = new AbortController();
    const conn = bus.connectAgent({ id: 'cz' });
    const refuse = () => 'refused';
    await runAgentCall({ connection: conn, tool: 't', refuse, signal: cancel.signal }, async () => {
      cancel.abort();
      return 'ok';
    });
    conn.disconnect();
    expect(bus.isConnected('cz')).toBe(false);
    // The same single call, not cancelled: the per-call grace stays.
    const once = bus.connectAgent({ id: 'cz' });
    await runAgentCall(
      { connection: once, tool: 't', refuse, signal: new AbortController().signal },
      async () => 'ok',
    );
    once.disconnect();
    expect(bus.isConnected('cz')).toBe(true);
  });

  it('lists roster agents registered before they connect', () => {
    const bus = newBus();
    bus.registerAgent('cz', 'Changpeng Zhao');
    expect(bus.isKnownAgent('cz')).toBe(true);
    expect(bus.listAgents()).toEqual([
      { id: 'cz', description: 'Changpeng Zhao', state: 'disconnected' },
    ]);
  });
});
