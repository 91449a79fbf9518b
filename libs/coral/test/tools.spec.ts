// Locks in the Coral semantics of the seven tools as agents see them: a real MCP SDK Client calling
// a real McpServer (tools registered by registerCoralTools) over the SDK's in-memory transport.
import { getEventListeners } from 'node:events';
import type { CreateThreadResult, SendMessageResult, WaitForMentionsResult } from '../src';
import { connectCoralAgent, createTestBus, type ConnectedCoralAgent } from '../src/testing';

type Bus = ReturnType<typeof createTestBus>;

let bus: Bus;
let open: ConnectedCoralAgent[];

beforeEach(() => {
  // No presence grace: these tests see an agent leave the moment its last connection closes.
  bus = createTestBus({ presenceGraceMs: 0 });
  open = [];
});

afterEach(async () => {
  await Promise.all(open.map((agent) => agent.close()));
  bus.close();
});

async function agent(agentId: string, description?: string): Promise<ConnectedCoralAgent> {
  const connected = await connectCoralAgent(bus, {
    agentId,
    ...(description ? { description } : {}),
  });
  open.push(connected);
  return connected;
}

function threadOf(result: CreateThreadResult) {
  if (result.result !== 'create_thread_success') {
    throw new Error(`expected create_thread_success, got ${JSON.stringify(result)}`);
  }
  return result.thread;
}

function sent(result: SendMessageResult) {
  if (result.result !== 'send_message_success') {
    throw new Error(`expected send_message_success, got ${JSON.stringify(result)}`);
  }
  return result.message;
}

function mentioned(result: WaitForMentionsResult) {
  if (result.result !== 'wait_for_mentions_success') {
    throw new Error(`expected wait_for_mentions_success, got ${JSON.stringify(result)}`);
  }
  return result.messages;
}

/** Resolves once the bus has parked a wait for `agentId` (no sleeping). */
async function untilWaiting(agentId: string, deadlineMs = 2_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!bus.isWaiting(agentId)) {
    if (Date.now() > deadline) throw new Error(`${agentId} never parked a wait`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

describe('the server', () => {
  it('advertises exactly the seven Coral tools with their argument names', async () => {
    const a = await agent('a');
    const { tools } = await a.mcpClient.listTools();
    const byName = Object.fromEntries(
      tools.map((tool) => [tool.name, Object.keys(tool.inputSchema.properties ?? {}).sort()]),
    );
    expect(byName).toEqual({
      coral_list_agents: ['includeDetails'],
      coral_create_thread: ['participantIds', 'threadName'],
      coral_add_participant: ['participantId', 'threadId'],
      coral_remove_participant: ['participantId', 'threadId'],
      coral_close_thread: ['summary', 'threadId'],
      // idempotencyKey is ours: optional, Coral's agents never send it.
      coral_send_message: ['content', 'idempotencyKey', 'mentions', 'threadId'],
      coral_wait_for_mentions: ['timeoutMs'],
    });
  });

  it('answers arguments of the wrong type with tool_input_error and changes nothing', async () => {
    const a = await agent('a');
    const result = await a.coral.call('coral_create_thread', {
      threadName: 42 as unknown as string,
      participantIds: [],
    });
    expect(result.result).toBe('tool_input_error');
    expect(bus.listThreads()).toHaveLength(0);
  });
});

describe('unexpected failures', () => {
  it('answer internal_error without detail and are reported to the server', async () => {
    bus = createTestBus({
      generateId: () => {
        throw new Error('id source broken');
      },
    });
    const reported: Array<[unknown, string]> = [];
    const a = await connectCoralAgent(bus, {
      agentId: 'a',
      onUnexpectedError: (error, tool) => reported.push([error, tool]),
    });
    open.push(a);
    expect(await a.coral.createThread({ threadName: 't', participantIds: [] })).toEqual({
      result: 'error',
      code: 'internal_error',
      message: 'Internal error',
    });
    expect(reported).toEqual([[new Error('id source broken'), 'coral_create_thread']]);
  });
});

describe('coral_list_agents', () => {
  it('lists agent ids, or with details their descriptions and states', async () => {
    const a = await agent('a', 'Agent A');
    await agent('b', 'Agent B');
    expect(await a.coral.listAgents({ includeDetails: false })).toEqual({
      result: 'agent_list_success',
      agents: ['a', 'b'],
    });
    expect(await a.coral.listAgents()).toEqual({
      result: 'agent_list_success_with_details',
      agents: [
        { id: 'a', description: 'Agent A', state: 'busy' },
        { id: 'b', description: 'Agent B', state: 'busy' },
      ],
    });
  });

  it('shows a waiting agent as listening and a departed one as disconnected', async () => {
    const a = await agent('a');
    const b = await agent('b');
    const c = await agent('c');
    const waiting = b.coral.waitForMentions({ timeoutMs: 5_000 });
    await untilWaiting('b');
    await c.close();
    const listed = await a.coral.listAgents();
    expect(listed).toMatchObject({
      agents: [
        { id: 'a', state: 'busy' },
        { id: 'b', state: 'listening' },
        { id: 'c', state: 'disconnected' },
      ],
    });
    await b.close();
    await expect(waiting).rejects.toThrow();
  });
});

describe('coral_create_thread', () => {
  it('creates an open thread whose participants include the creator once', async () => {
    const a = await agent('a');
    await agent('b');
    const thread = threadOf(
      await a.coral.createThread({ threadName: 'deal', participantIds: ['b', 'a', 'b'] }),
    );
    expect(thread).toMatchObject({
      name: 'deal',
      creatorId: 'a',
      participants: ['a', 'b'],
      messages: [],
      isClosed: false,
      summary: null,
    });
    expect(bus.getThread(thread.id)?.participants).toEqual(['a', 'b']);
  });

  it('refuses participants that are not agents of the pool', async () => {
    const a = await agent('a');
    const result = await a.coral.createThread({ threadName: 'x', participantIds: ['ghost'] });
    expect(result).toMatchObject({ result: 'error', code: 'unknown_agent' });
    expect(bus.listThreads()).toHaveLength(0);
  });
});

describe('coral_add_participant and coral_remove_participant', () => {
  it('adds an agent who then receives later mentions but not earlier ones', async () => {
    const a = await agent('a');
    const b = await agent('b');
    const c = await agent('c');
    const thread = threadOf(await a.coral.createThread({ threadName: 't', participantIds: ['b'] }));
    sent(await a.coral.sendMessage({ threadId: thread.id, content: 'before', mentions: ['b'] }));
    expect(await a.coral.addParticipant({ threadId: thread.id, participantId: 'c' })).toEqual({
      result: 'add_participant_success',
    });
    expect(bus.readPosition('c', thread.id)).toBe(1);
    const after = sent(
      await b.coral.sendMessage({ threadId: thread.id, content: 'after', mentions: ['c'] }),
    );
    expect(mentioned(await c.coral.waitForMentions({ timeoutMs: 0 }))).toEqual([after]);
  });

  it('refuses adding an unknown agent or acting on a thread the caller is not in', async () => {
    const a = await agent('a');
    await agent('b');
    const outsider = await agent('outsider');
    const thread = threadOf(await a.coral.createThread({ threadName: 't', participantIds: ['b'] }));
    expect(
      await a.coral.addParticipant({ threadId: thread.id, participantId: 'ghost' }),
    ).toMatchObject({ result: 'error', code: 'unknown_agent' });
    expect(
      await outsider.coral.addParticipant({ threadId: thread.id, participantId: 'outsider' }),
    ).toMatchObject({ result: 'error', code: 'not_participant' });
    expect(
      await outsider.coral.removeParticipant({ threadId: thread.id, participantId: 'b' }),
    ).toMatchObject({ result: 'error', code: 'not_participant' });
    expect(
      await a.coral.addParticipant({ threadId: 'no-such-thread', participantId: 'b' }),
    ).toMatchObject({ result: 'error', code: 'thread_not_found' });
    expect(bus.getThread(thread.id)?.participants).toEqual(['a', 'b']);
  });

  it('removes a participant, who can then neither send nor be mentioned', async () => {
    const a = await agent('a');
    const b = await agent('b');
    const thread = threadOf(await a.coral.createThread({ threadName: 't', participantIds: ['b'] }));
    expect(await a.coral.removeParticipant({ threadId: thread.id, participantId: 'b' })).toEqual({
      result: 'remove_participant_success',
    });
    expect(
      await b.coral.sendMessage({ threadId: thread.id, content: 'hi', mentions: ['a'] }),
    ).toMatchObject({ result: 'error', code: 'not_participant' });
    expect(
      await a.coral.sendMessage({ threadId: thread.id, content: 'hi', mentions: ['b'] }),
    ).toMatchObject({ result: 'error', code: 'invalid_mention' });
    expect(
      await a.coral.removeParticipant({ threadId: thread.id, participantId: 'b' }),
    ).toMatchObject({ result: 'error', code: 'not_participant' });
  });
});

describe('coral_close_thread', () => {
  it('closes with a summary, after which sending, adding and closing again fail', async () => {
    const a = await agent('a');
    await agent('b');
    const thread = threadOf(await a.coral.createThread({ threadName: 't', participantIds: ['b'] }));
    expect(await a.coral.closeThread({ threadId: thread.id, summary: 'done' })).toEqual({
      result: 'close_thread_success',
    });
    expect(bus.getThread(thread.id)).toMatchObject({ isClosed: true, summary: 'done' });
    expect(
      await a.coral.sendMessage({ threadId: thread.id, content: 'late', mentions: ['b'] }),
    ).toMatchObject({ result: 'error', code: 'thread_closed' });
    expect(await a.coral.addParticipant({ threadId: thread.id, participantId: 'b' })).toMatchObject(
      { result: 'error', code: 'thread_closed' },
    );
    expect(await a.coral.closeThread({ threadId: thread.id, summary: 'again' })).toMatchObject({
      result: 'error',
      code: 'thread_closed',
    });
  });

  it('is refused to an agent that is not a participant', async () => {
    const a = await agent('a');
    const outsider = await agent('outsider');
    const thread = threadOf(await a.coral.createThread({ threadName: 't', participantIds: [] }));
    expect(await outsider.coral.closeThread({ threadId: thread.id, summary: 'x' })).toMatchObject({
      result: 'error',
      code: 'not_participant',
    });
    expect(bus.getThread(thread.id)?.isClosed).toBe(false);
  });

  it('does not deliver unread mentions of a closed thread and wakes nobody', async () => {
    const a = await agent('a');
    const b = await agent('b');
    const thread = threadOf(await a.coral.createThread({ threadName: 't', participantIds: ['b'] }));
    sent(await a.coral.sendMessage({ threadId: thread.id, content: 'unread', mentions: ['b'] }));
    await a.coral.closeThread({ threadId: thread.id, summary: 'over' });
    expect(await b.coral.waitForMentions({ timeoutMs: 20 })).toEqual({ result: 'error_timeout' });
  });
});

describe('coral_send_message', () => {
  it('returns the stored message with id, thread, sender, timestamp and mentions', async () => {
    const a = await agent('a');
    await agent('b');
    const thread = threadOf(await a.coral.createThread({ threadName: 't', participantIds: ['b'] }));
    const before = Date.now();
    const message = sent(
      await a.coral.sendMessage({ threadId: thread.id, content: 'hi', mentions: ['b', 'b'] }),
    );
    expect(message).toMatchObject({
      threadId: thread.id,
      threadName: 't',
      senderId: 'a',
      content: 'hi',
      mentions: ['b'],
    });
    expect(message.timestamp).toBeGreaterThanOrEqual(before);
    expect(bus.getThread(thread.id)?.messages).toEqual([message]);
  });

  it('refuses non-participant senders, mentions of non-participants or of oneself, and unknown threads', async () => {
    const a = await agent('a');
    await agent('b');
    const outsider = await agent('outsider');
    const thread = threadOf(await a.coral.createThread({ threadName: 't', participantIds: ['b'] }));
    expect(
      await outsider.coral.sendMessage({ threadId: thread.id, content: 'x', mentions: ['a'] }),
    ).toMatchObject({ result: 'error', code: 'not_participant' });
    expect(
      await a.coral.sendMessage({ threadId: thread.id, content: 'x', mentions: ['outsider'] }),
    ).toMatchObject({ result: 'error', code: 'invalid_mention' });
    expect(
      await a.coral.sendMessage({ threadId: thread.id, content: 'x', mentions: ['a'] }),
    ).toMatchObject({ result: 'error', code: 'invalid_mention' });
    expect(
      await a.coral.sendMessage({ threadId: 'nope', content: 'x', mentions: [] }),
    ).toMatchObject({ result: 'error', code: 'thread_not_found' });
    expect(bus.getThread(thread.id)?.messages).toEqual([]);
  });

  it('does not wake an agent that is not mentioned', async () => {
    const a = await agent('a');
    const b = await agent('b');
    const thread = threadOf(await a.coral.createThread({ threadName: 't', participantIds: ['b'] }));
    sent(await a.coral.sendMessage({ threadId: thread.id, content: 'aside' }));
    expect(await b.coral.waitForMentions({ timeoutMs: 20 })).toEqual({ result: 'error_timeout' });
  });
});

describe('coral_wait_for_mentions', () => {
  it('returns a mention that arrives while waiting', async () => {
    const a = await agent('a');
    const b = await agent('b');
    const thread = threadOf(await a.coral.createThread({ threadName: 't', participantIds: ['b'] }));
    const waiting = b.coral.waitForMentions({ timeoutMs: 5_000 });
    await untilWaiting('b');
    const message = sent(
      await a.coral.sendMessage({ threadId: thread.id, content: 'ping', mentions: ['b'] }),
    );
    expect(mentioned(await waiting)).toEqual([message]);
  });

  it('returns every unread mention across threads at once, oldest first, and only once', async () => {
    const a = await agent('a');
    const b = await agent('b');
    const c = await agent('c');
    const t1 = threadOf(await a.coral.createThread({ threadName: 't1', participantIds: ['b'] }));
    const t2 = threadOf(await c.coral.createThread({ threadName: 't2', participantIds: ['b'] }));
    const m1 = sent(await a.coral.sendMessage({ threadId: t1.id, content: '1', mentions: ['b'] }));
    sent(await a.coral.sendMessage({ threadId: t1.id, content: 'not for b' }));
    const m2 = sent(await c.coral.sendMessage({ threadId: t2.id, content: '2', mentions: ['b'] }));
    const m3 = sent(await a.coral.sendMessage({ threadId: t1.id, content: '3', mentions: ['b'] }));

    expect(mentioned(await b.coral.waitForMentions({ timeoutMs: 1_000 }))).toEqual([m1, m2, m3]);
    expect(bus.readPosition('b', t1.id)).toBe(3);
    expect(bus.readPosition('b', t2.id)).toBe(1);
    expect(await b.coral.waitForMentions({ timeoutMs: 20 })).toEqual({ result: 'error_timeout' });
  });

  it('times out with error_timeout', async () => {
    const b = await agent('b');
    const started = Date.now();
    expect(await b.coral.waitForMentions({ timeoutMs: 30 })).toEqual({ result: 'error_timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(bus.isWaiting('b')).toBe(false);
  });

  it('polls without parking when timeoutMs is 0', async () => {
    const b = await agent('b');
    expect(await b.coral.waitForMentions({ timeoutMs: 0 })).toEqual({ result: 'error_timeout' });
    expect(bus.isWaiting('b')).toBe(false);
  });

  it('refuses a timeout above 600000 ms or below 0 with an error', async () => {
    const b = await agent('b');
    expect(await b.coral.waitForMentions({ timeoutMs: 600_001 })).toMatchObject({
      result: 'error',
      code: 'invalid_timeout',
    });
    expect(await b.coral.waitForMentions({ timeoutMs: -1 })).toMatchObject({
      result: 'error',
      code: 'invalid_timeout',
    });
    expect(bus.isWaiting('b')).toBe(false);
  });

  it('keeps one waiter per agent: a new wait replaces the previous one', async () => {
    const a = await agent('a');
    const b = await agent('b');
    const thread = threadOf(await a.coral.createThread({ threadName: 't', participantIds: ['b'] }));
    const first = b.coral.waitForMentions({ timeoutMs: 5_000 });
    await untilWaiting('b');
    const second = b.coral.waitForMentions({ timeoutMs: 5_000 });
    expect(await first).toMatchObject({ result: 'error', code: 'wait_replaced' });
    await untilWaiting('b');
    const message = sent(
      await a.coral.sendMessage({ threadId: thread.id, content: 'hi', mentions: ['b'] }),
    );
    expect(mentioned(await second)).toEqual([message]);
  });

  it('releases the wait when the client cancels the request', async () => {
    const b = await agent('b');
    const controller = new AbortController();
    const waiting = b.coral.waitForMentions({ timeoutMs: 5_000 }, { signal: controller.signal });
    await untilWaiting('b');
    controller.abort();
    await expect(waiting).rejects.toThrow();
    const deadline = Date.now() + 2_000;
    while (bus.isWaiting('b') && Date.now() < deadline) {
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    expect(bus.isWaiting('b')).toBe(false);
  });

  it('keeps every connection of an agent: a new one closes nothing, and a wait on it is replaced only by a newer wait', async () => {
    const a = await agent('a');
    const firstB = await agent('b');
    const thread = threadOf(await a.coral.createThread({ threadName: 't', participantIds: ['b'] }));
    const parked = firstB.coral.waitForMentions({ timeoutMs: 5_000 });
    await untilWaiting('b');
    const secondB = await agent('b');
    expect(firstB.connection.active).toBe(true);
    expect(bus.connectionCount('b')).toBe(2);
    // A call on the second connection acts for the same agent and leaves the parked wait alone.
    sent(await secondB.coral.sendMessage({ threadId: thread.id, content: 'x', mentions: ['a'] }));
    expect(bus.isWaiting('b')).toBe(true);

    const message = sent(
      await a.coral.sendMessage({ threadId: thread.id, content: 'hi', mentions: ['b'] }),
    );
    expect(mentioned(await parked)).toEqual([message]);
    // Read positions are the agent's: the second connection finds nothing left unread.
    expect(await secondB.coral.waitForMentions({ timeoutMs: 0 })).toEqual({
      result: 'error_timeout',
    });
    await firstB.close();
    expect(secondB.connection.active).toBe(true);
    expect(bus.isConnected('b')).toBe(true);
  });

  it('ends only the closing connection’s wait', async () => {
    const b1 = await agent('b');
    const b2 = await agent('b');
    const parked = b1.coral.waitForMentions({ timeoutMs: 5_000 });
    await untilWaiting('b');
    b2.connection.disconnect();
    expect(bus.isWaiting('b')).toBe(true);
    b1.connection.disconnect();
    expect(await parked).toMatchObject({ result: 'error', code: 'wait_aborted' });
  });

  it('releases a parked wait when the agent disconnects', async () => {
    const b = await agent('b');
    const waiting = b.coral.waitForMentions({ timeoutMs: 5_000 });
    await untilWaiting('b');
    b.connection.disconnect();
    expect(await waiting).toMatchObject({ result: 'error', code: 'wait_aborted' });
    expect(bus.isWaiting('b')).toBe(false);
    expect(bus.isConnected('b')).toBe(false);
  });

  it('leaves no listeners behind on the connection after many waits', async () => {
    const b = await agent('b');
    const before = getEventListeners(b.connection.signal, 'abort').length;
    for (let i = 0; i < 20; i += 1) {
      expect(await b.coral.waitForMentions({ timeoutMs: 1 })).toEqual({ result: 'error_timeout' });
    }
    expect(getEventListeners(b.connection.signal, 'abort').length).toBe(before);
  });
});
