// Locks in what a player sees after losing ALB stickiness: two gateway tasks on one database;
// the player's stream is open on task A while its message lands on task B, which rebuilds the
// thread for its own agents; the reply persisted on B reaches the stream on A (LISTEN/NOTIFY),
// in order and without duplicates.
import { connectRoster, runEcho, type TestAgent } from './support/agents';
import {
  agentSecretOf,
  CRON_SECRET,
  createTestDb,
  startGateway,
  type TestDb,
  type TestGateway,
} from './support/gateway';
import { SseReader } from './support/sse';
import { newWallet, request, signIn } from './support/wallet';

describe('two tasks on one database', () => {
  let db: TestDb;
  let a: TestGateway;
  let b: TestGateway;
  const agents: TestAgent[] = [];
  const stops: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    db = await createTestDb();
    a = await startGateway(db.url, { TASK_ID: 'task-a' });
    b = await startGateway(db.url, { TASK_ID: 'task-b' });
    for (const gw of [a, b]) {
      const roster = await connectRoster(
        gw.url,
        agentSecretOf,
        ['pool-0', 'pool-1'],
        ['agent-a', 'agent-b'],
      );
      agents.push(...roster);
    }
    for (const agent of agents) stops.push(runEcho(agent));
  });

  afterAll(async () => {
    await Promise.all(stops.map((s) => s()));
    await Promise.all(agents.map((x) => x.close()));
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it("shows replies persisted by another task on the player's stream", async () => {
    const wallet = newWallet();
    const token = await signIn(a.url, wallet);
    await request('POST', `${a.url}/api/sessions`, { token });
    const t = await request('POST', `${a.url}/api/threads`, {
      token,
      body: { agentId: 'agent-a' },
    });
    const threadId: string = t.json.threadId;
    const stream = await SseReader.open(`${a.url}/api/threads/${threadId}/events`, {
      authorization: `Bearer ${token}`,
    });

    // The same token works on task B (tokens are stateless; the thread is in the database).
    const m = await request('POST', `${b.url}/api/threads/${threadId}/messages`, {
      token,
      body: { content: 'over here', clientMessageId: 'x-1' },
    });
    expect(m.status).toBe(202);
    const events = await stream.waitFor(2);
    expect(events.map((e) => JSON.parse(e.data).content)).toEqual(['over here', 'echo: over here']);
    expect(events[0]?.id).toBe(m.json.messageId);

    // Back on task A: A's bus does not have the thread yet, rebuilds it, and its agent answers.
    const m2 = await request('POST', `${a.url}/api/threads/${threadId}/messages`, {
      token,
      body: { content: 'and back', clientMessageId: 'x-2' },
    });
    expect(m2.status).toBe(202);
    const all = await stream.waitFor(4);
    stream.close();
    expect(all.map((e) => JSON.parse(e.data).content)).toEqual([
      'over here',
      'echo: over here',
      'and back',
      'echo: and back',
    ]);
    expect(new Set(all.map((e) => e.id)).size).toBe(4);
  });

  it("closes a thread on every task's bus when a job on one task expires its session", async () => {
    const wallet = newWallet();
    const token = await signIn(a.url, wallet);
    const s = await request('POST', `${a.url}/api/sessions`, { token });
    const t = await request('POST', `${a.url}/api/threads`, {
      token,
      body: { agentId: 'agent-b' },
    });
    const agentOnA = agents.find((x) => x.pool === s.json.pool && x.id === 'agent-b')!;
    await db.query(
      `UPDATE sessions SET last_activity_at = now() - interval '2 hours' WHERE id = $1`,
      [s.json.sessionId],
    );
    const r = await request('POST', `${b.url}/api/cron/session-cleanup`, { token: CRON_SECRET });
    expect(r.json).toMatchObject({ expiredSessions: 1, closedThreads: 1, busThreadsClosed: 0 });
    // Task A hears the announcement and closes the thread its agent is in.
    const deadline = Date.now() + 10_000;
    let result: unknown;
    do {
      result = await agentOnA.tools.sendMessage({
        threadId: t.json.threadId,
        content: 'still?',
        mentions: [],
      });
      if ((result as { result: string }).result === 'error') break;
      await new Promise((res) => setTimeout(res, 50));
    } while (Date.now() < deadline);
    expect(result).toMatchObject({ result: 'error', code: 'thread_closed' });
  });
});
