// Locks in the Coral 1.2 tools as agents of that generation see them (a real MCP SDK client and
// server in memory), and that both generations share one bus: a 1.0 agent and a 1.2 agent talk
// in one thread.
import { Coral12ToolError } from '../src';
import {
  connectCoral12Agent,
  connectCoralAgent,
  createTestBus,
  type ConnectedCoral12Agent,
} from '../src/testing';

type Bus = ReturnType<typeof createTestBus>;
let bus: Bus;
const open: Array<{ close(): Promise<void> }> = [];

beforeEach(() => {
  bus = createTestBus({ presenceGraceMs: 0 });
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((a) => a.close()));
  bus.close();
});

async function agent12(agentId: string): Promise<ConnectedCoral12Agent> {
  const a = await connectCoral12Agent(bus, { agentId });
  open.push(a);
  return a;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('Coral 1.2 tools', () => {
  it('lists the eight tools of Coral 1.2 with their argument names', async () => {
    const a = await agent12('a');
    const { tools } = await a.mcpClient.listTools();
    const byName = Object.fromEntries(
      tools.map((t) => [t.name, Object.keys(t.inputSchema.properties ?? {}).sort()]),
    );
    expect(byName).toEqual({
      coral_create_thread: ['participantNames', 'threadName'],
      coral_close_thread: ['summary', 'threadId'],
      coral_add_participant: ['participantName', 'threadId'],
      coral_remove_participant: ['participantName', 'threadId'],
      coral_send_message: ['content', 'idempotencyKey', 'mentions', 'threadId'],
      coral_wait_for_message: ['currentUnixTime', 'maxWaitMs'],
      coral_wait_for_mention: ['currentUnixTime', 'maxWaitMs'],
      coral_wait_for_agent: ['agentName', 'currentUnixTime', 'maxWaitMs'],
    });
  });

  it('creates a thread, sends and waits with Coral 1.2 shapes', async () => {
    const a = await agent12('a');
    const b = await agent12('b');
    const { thread } = await a.coral.createThread({ threadName: 'deal', participantNames: ['b'] });
    expect(thread).toMatchObject({
      name: 'deal',
      creatorName: 'a',
      participants: ['a', 'b'],
      messages: [],
      state: { state: 'open' },
    });
    expect(thread.timestamp).toMatch(ISO);

    const sent = await a.coral.sendMessage({
      threadId: thread.id,
      content: 'hello b',
      mentions: ['b'],
    });
    expect(sent).toEqual({
      status: 'Message sent successfully',
      message: {
        id: expect.any(String),
        threadId: thread.id,
        text: 'hello b',
        senderName: 'a',
        mentionNames: ['b'],
        timestamp: expect.stringMatching(ISO),
      },
    });
    expect(await b.coral.wait('coral_wait_for_mention', { maxWaitMs: 1_000 })).toEqual({
      status: 'Message received',
      message: sent.message,
    });
    // Read: a second wait does not get it again (Coral would, until the clock moves past it).
    expect(await b.coral.wait('coral_wait_for_mention', { maxWaitMs: 0 })).toEqual({
      status: 'Timeout reached',
    });
    expect(await b.coral.closeThread({ threadId: thread.id, summary: 'done' })).toEqual({
      message: `Successfully closed thread ${thread.id}`,
    });
  });

  it('returns one message per wait, oldest first, and only messages at or after currentUnixTime', async () => {
    let now = 1_000;
    bus.close();
    bus = createTestBus({ presenceGraceMs: 0, now: () => now });
    const a = await agent12('a');
    const b = await agent12('b');
    const { thread } = await a.coral.createThread({ threadName: 't', participantNames: ['b'] });
    await a.coral.sendMessage({ threadId: thread.id, content: 'old', mentions: ['b'] });
    now = 2_000;
    await a.coral.sendMessage({ threadId: thread.id, content: 'new-1', mentions: ['b'] });
    await a.coral.sendMessage({ threadId: thread.id, content: 'new-2', mentions: ['b'] });
    const texts = async (currentUnixTime: number) => {
      const r = await b.coral.wait('coral_wait_for_mention', { currentUnixTime, maxWaitMs: 0 });
      return 'message' in r ? r.message.text : r.status;
    };
    expect(await texts(2_000)).toBe('new-1');
    expect(await texts(2_000)).toBe('new-2');
    expect(await texts(2_000)).toBe('Timeout reached');
    // Passed over for its time, never read: an earlier time still finds it.
    expect(await texts(0)).toBe('old');
  });

  it('waits for any message of others, or for one named agent, leaving the rest unread', async () => {
    const a = await agent12('a');
    const b = await agent12('b');
    const c = await agent12('c');
    const { thread } = await a.coral.createThread({
      threadName: 't',
      participantNames: ['b', 'c'],
    });
    await b.coral.sendMessage({ threadId: thread.id, content: 'from b', mentions: [] });
    await c.coral.sendMessage({ threadId: thread.id, content: 'from c', mentions: [] });
    const fromC = await a.coral.wait('coral_wait_for_agent', { agentName: 'c', maxWaitMs: 0 });
    expect(fromC).toMatchObject({ message: { text: 'from c', senderName: 'c' } });
    // b's message was left unread by the wait for c; c's own message does not wake c.
    expect(await a.coral.wait('coral_wait_for_message', { maxWaitMs: 0 })).toMatchObject({
      message: { text: 'from b' },
    });
    expect(await c.coral.wait('coral_wait_for_message', { maxWaitMs: 0 })).toMatchObject({
      message: { text: 'from b' },
    });
    expect(await c.coral.wait('coral_wait_for_message', { maxWaitMs: 0 })).toEqual({
      status: 'Timeout reached',
    });
  });

  it('adds and removes participants; a new participant reads from the end of the thread', async () => {
    const a = await agent12('a');
    const b = await agent12('b');
    const c = await agent12('c');
    const { thread } = await a.coral.createThread({ threadName: 't', participantNames: ['b'] });
    await a.coral.sendMessage({ threadId: thread.id, content: 'before c', mentions: ['b'] });
    expect(await a.coral.addParticipant({ threadId: thread.id, participantName: 'c' })).toEqual({
      message: `Successfully added participant c to thread ${thread.id}`,
    });
    // Coral 1.2 replays the whole history to a new participant; here it starts at the end.
    expect(await c.coral.wait('coral_wait_for_message', { maxWaitMs: 0 })).toEqual({
      status: 'Timeout reached',
    });
    await b.coral.sendMessage({ threadId: thread.id, content: 'welcome', mentions: ['c'] });
    expect(await c.coral.wait('coral_wait_for_mention', { maxWaitMs: 0 })).toMatchObject({
      message: { text: 'welcome', senderName: 'b' },
    });
    expect(await a.coral.removeParticipant({ threadId: thread.id, participantName: 'c' })).toEqual({
      message: `Successfully removed participant c from thread ${thread.id}`,
    });
    await expect(
      c.coral.sendMessage({ threadId: thread.id, content: 'still here?', mentions: [] }),
    ).rejects.toMatchObject({ code: 'not_participant' });
    // Only participants add or close; an unknown agent never becomes one.
    await expect(
      c.coral.addParticipant({ threadId: thread.id, participantName: 'c' }),
    ).rejects.toMatchObject({ code: 'not_participant' });
    await expect(
      a.coral.addParticipant({ threadId: thread.id, participantName: 'wallet-of-a-player' }),
    ).rejects.toMatchObject({ code: 'unknown_agent' });
    await expect(c.coral.closeThread({ threadId: thread.id, summary: 'x' })).rejects.toMatchObject({
      code: 'not_participant',
    });
    // A wait for an agent that never speaks simply times out.
    expect(
      await b.coral.wait('coral_wait_for_agent', { agentName: 'nobody', maxWaitMs: 0 }),
    ).toEqual({ status: 'Timeout reached' });
  });

  it('parks a wait until a message arrives, and clamps maxWaitMs to a minute', async () => {
    const a = await agent12('a');
    const b = await agent12('b');
    const { thread } = await a.coral.createThread({ threadName: 't', participantNames: ['b'] });
    const parked = b.coral.wait('coral_wait_for_mention', { maxWaitMs: 3_600_000 });
    const deadline = Date.now() + 2_000;
    while (!bus.isWaiting('b') && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    expect(bus.getAgent('b')?.state).toBe('listening');
    await a.coral.sendMessage({ threadId: thread.id, content: 'ping', mentions: ['b'] });
    expect(await parked).toMatchObject({ status: 'Message received', message: { text: 'ping' } });
  });

  it('refuses with isError results that say why, as Coral words them', async () => {
    const a = await agent12('a');
    await agent12('b');
    const { thread } = await a.coral.createThread({ threadName: 't', participantNames: ['b'] });
    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => 'accepted',
        (e: unknown) => (e instanceof Coral12ToolError ? `${e.code}: ${e.message}` : String(e)),
      );
    expect(
      await refusal(a.coral.createThread({ threadName: 't', participantNames: ['stranger'] })),
    ).toBe('unknown_agent: Error executing tool coral_create_thread: No agents named stranger');
    expect(
      await refusal(a.coral.sendMessage({ threadId: thread.id, content: 'x', mentions: ['a'] })),
    ).toMatch(/^invalid_mention: Error executing tool coral_send_message: /);
    const outsider = await agent12('c');
    expect(
      await refusal(
        outsider.coral.sendMessage({ threadId: thread.id, content: 'x', mentions: [] }),
      ),
    ).toMatch(/^not_participant: /);
    expect(
      await refusal(a.coral.sendMessage({ threadId: 'nope', content: 'x', mentions: [] })),
    ).toMatch(/^thread_not_found: /);
    expect(
      await refusal(
        a.coral.sendMessage({ threadId: thread.id, content: 'x'.repeat(100_001), mentions: [] }),
      ),
    ).toMatch(/100000|too_big|at most/i);
  });
});

describe('both generations on one bus', () => {
  it('lets a 1.0 agent and a 1.2 agent talk in one thread', async () => {
    const old = await connectCoralAgent(bus, { agentId: 'legacy' });
    open.push(old);
    const modern = await agent12('modern');
    const created = await old.coral.createThread({
      threadName: 'mixed',
      participantIds: ['modern'],
    });
    if (created.result !== 'create_thread_success') throw new Error(JSON.stringify(created));
    const threadId = created.thread.id;

    await old.coral.sendMessage({ threadId, content: 'from 1.0', mentions: ['modern'] });
    expect(await modern.coral.wait('coral_wait_for_mention', { maxWaitMs: 1_000 })).toMatchObject({
      message: { text: 'from 1.0', senderName: 'legacy', mentionNames: ['modern'] },
    });
    await modern.coral.sendMessage({ threadId, content: 'from 1.2', mentions: ['legacy'] });
    expect(await old.coral.waitForMentions({ timeoutMs: 1_000 })).toMatchObject({
      result: 'wait_for_mentions_success',
      messages: [{ content: 'from 1.2', senderId: 'modern', mentions: ['legacy'] }],
    });
    expect(await old.coral.listAgents()).toMatchObject({
      agents: [{ id: 'legacy' }, { id: 'modern' }],
    });
  });
});
