// Locks in "an acknowledged message is never lost": the gateway (its real entry point, as a
// child process) is killed after it acknowledged a player message the agent never answered; a
// new process on the same database rebuilds the thread on first use, delivers that message to
// the agent again exactly once (answered ones are not), and the reply reaches the player's
// resumed stream. Also: SIGTERM closes streams and agent connections and exits cleanly.
import { freePort } from '@pardon/test-env';
import { connectRoster, type TestAgent } from './support/agents';
import { agentSecretOf, createTestDb, testEnv, type TestDb } from './support/gateway';
import { spawnGateway, stopAll } from './support/process';
import { SseReader } from './support/sse';
import { newWallet, request, signIn } from './support/wallet';

describe('a gateway restart on the same database', () => {
  let db: TestDb;
  let agents: TestAgent[] = [];

  beforeAll(async () => {
    db = await createTestDb();
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
    await stopAll();
    await db?.drop();
  });

  it('rebuilds the thread and delivers the unanswered message to the agent once', async () => {
    const port = await freePort();
    const env = testEnv(db.url, { PORT: String(port), TASK_ID: 'task-restart', LOG_LEVEL: 'warn' });
    const first = await spawnGateway(env);
    agents = await connectRoster(
      first.url,
      agentSecretOf,
      ['pool-0', 'pool-1'],
      ['agent-a', 'agent-b'],
    );

    const wallet = newWallet();
    const token = await signIn(first.url, wallet);
    const s = await request('POST', `${first.url}/api/sessions`, { token });
    const agentA = agents.find((a) => a.pool === s.json.pool && a.id === 'agent-a')!;
    const t = await request('POST', `${first.url}/api/threads`, {
      token,
      body: { agentId: 'agent-a' },
    });
    const threadId: string = t.json.threadId;

    // m0 is answered before the crash; m1 is acknowledged but never answered.
    const m0 = await request('POST', `${first.url}/api/threads/${threadId}/messages`, {
      token,
      body: { content: 'm0', clientMessageId: 'm0' },
    });
    const got0 = await agentA.tools.waitForMentions({ timeoutMs: 5000 });
    expect(got0.result === 'wait_for_mentions_success' && got0.messages.map((m) => m.id)).toEqual([
      m0.json.messageId,
    ]);
    await agentA.tools.sendMessage({ threadId, content: 'r0', mentions: [wallet.address] });
    const m1 = await request('POST', `${first.url}/api/threads/${threadId}/messages`, {
      token,
      body: { content: 'm1', clientMessageId: 'm1' },
    });
    expect(m1.status).toBe(202);

    first.kill('SIGKILL');
    await first.exited;
    await Promise.all(agents.map((a) => a.close()));

    const second = await spawnGateway(env);
    agents = await connectRoster(
      second.url,
      agentSecretOf,
      ['pool-0', 'pool-1'],
      ['agent-a', 'agent-b'],
    );
    const agentA2 = agents.find((a) => a.pool === s.json.pool && a.id === 'agent-a')!;
    // Nothing is on the new bus until the player comes back.
    expect(await agentA2.tools.waitForMentions({ timeoutMs: 100 })).toEqual({
      result: 'error_timeout',
    });

    // The player's EventSource reconnects with the last id it saw (the answer to m0).
    const history = await request('GET', `${second.url}/api/threads/${threadId}/messages`, {
      token,
    });
    expect(history.json.messages.map((m: { content: string }) => m.content)).toEqual([
      'm0',
      'r0',
      'm1',
    ]);
    const stream = await SseReader.open(`${second.url}/api/threads/${threadId}/events`, {
      authorization: `Bearer ${token}`,
      'last-event-id': history.json.messages[1].id,
    });
    expect(stream.status).toBe(200);

    const got1 = await agentA2.tools.waitForMentions({ timeoutMs: 5000 });
    if (got1.result !== 'wait_for_mentions_success') throw new Error(JSON.stringify(got1));
    expect(got1.messages.map((m) => [m.id, m.content])).toEqual([[m1.json.messageId, 'm1']]);
    await agentA2.tools.sendMessage({ threadId, content: 'r1', mentions: [wallet.address] });

    const events = await stream.waitFor(2);
    expect(events.map((e) => JSON.parse(e.data).content)).toEqual(['m1', 'r1']);
    // Once: the agent is not handed m1 again.
    expect(await agentA2.tools.waitForMentions({ timeoutMs: 200 })).toEqual({
      result: 'error_timeout',
    });

    // SIGTERM: streams end, the process exits 0 well within 30 s.
    const started = Date.now();
    second.kill('SIGTERM');
    await stream.waitForEnd(30_000);
    expect(await second.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
