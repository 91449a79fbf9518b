// Locks in that an agent reply is stored once even when the attempt that stored it reported a
// failure: PostgreSQL commits the append, the connection dies before the answer arrives (a real
// TCP proxy between the gateway and PostgreSQL swallows the answer and cuts the connection), the
// gateway refuses the send with `persist_failed`, and the agent sends the same reply again, as
// apps/agents does. The retry finds the committed row instead of storing a second copy.
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { connectRoster, type TestAgent } from './support/agents';
import {
  agentSecretOf,
  createTestDb,
  startGateway,
  type TestDb,
  type TestGateway,
} from './support/gateway';
import { newWallet, request, signIn } from './support/wallet';

const MARKER = 'stored-but-the-answer-was-lost';

/**
 * Forwards TCP to PostgreSQL. When armed, the first statement whose bytes contain `MARKER` is
 * forwarded, its answer (sent once the statement committed) is dropped and both sides are cut.
 */
class CuttingProxy {
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  armed = false;
  cuts = 0;

  private constructor(upstreamPort: number) {
    this.server = this.listen(upstreamPort);
  }

  static async start(upstreamPort: number): Promise<CuttingProxy> {
    const proxy = new CuttingProxy(upstreamPort);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  private listen(upstreamPort: number): Server {
    return createServer((client) => {
      const upstream = connect(upstreamPort, '127.0.0.1');
      this.sockets.add(client).add(upstream);
      let cutting = false;
      client.on('data', (chunk: Buffer) => {
        if (this.armed && chunk.includes(MARKER)) {
          this.armed = false;
          cutting = true;
        }
        upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => {
        if (!cutting) {
          client.write(chunk);
          return;
        }
        // The answer arrived, so the statement committed: lose it and cut the connection.
        this.cuts++;
        client.destroy();
        upstream.destroy();
      });
      const end = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('close', end).on('error', end);
      upstream.on('close', end).on('error', end);
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe('an agent reply whose store committed but reported a failure', () => {
  let db: TestDb;
  let proxy: CuttingProxy;
  let gw: TestGateway;
  let agents: TestAgent[] = [];

  beforeAll(async () => {
    db = await createTestDb();
    const url = new URL(db.url);
    proxy = await CuttingProxy.start(Number(url.port));
    url.port = String(proxy.port);
    // No retry inside the gateway: the failure reaches the agent as `persist_failed`.
    gw = await startGateway(url.toString(), { DB_RETRY_BUDGET_MS: '0' });
    agents = await connectRoster(
      gw.url,
      agentSecretOf,
      ['pool-0', 'pool-1'],
      ['agent-a', 'agent-b'],
    );
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
    await gw?.close();
    await proxy?.close();
    await db?.drop();
  });

  /** A signed-in player with a thread to agent-a, and agent-a's connection on that pool. */
  async function openThreadWithAgentA() {
    const wallet = newWallet();
    const token = await signIn(gw.url, wallet);
    const session = await request('POST', `${gw.url}/api/sessions`, { token });
    const agent = agents.find((a) => a.pool === session.json.pool && a.id === 'agent-a');
    if (!agent) throw new Error(`no agent-a in ${String(session.json.pool)}`);
    const thread = await request('POST', `${gw.url}/api/threads`, {
      token,
      body: { agentId: 'agent-a' },
    });
    return { wallet, token, agent, threadId: thread.json.threadId as string };
  }

  it('is stored once when the agent sends it again', async () => {
    const { wallet, token, agent, threadId } = await openThreadWithAgentA();
    const asked = await request('POST', `${gw.url}/api/threads/${threadId}/messages`, {
      token,
      body: { content: 'are you there?', clientMessageId: 'q1' },
    });
    expect(asked.status).toBe(202);
    const got = await agent.tools.waitForMentions({ timeoutMs: 5000 });
    expect(got.result).toBe('wait_for_mentions_success');

    const reply = { threadId, content: `yes (${MARKER})`, mentions: [wallet.address] };
    proxy.armed = true;
    const first = await agent.tools.sendMessage(reply);
    expect(first).toMatchObject({ result: 'error', code: 'persist_failed' });
    expect(proxy.cuts).toBe(1);
    // It committed all the same.
    const committed = await db.query<{ id: string }>(
      'SELECT id FROM messages WHERE thread_id = $1 AND sender_id = $2',
      [threadId, 'agent-a'],
    );
    expect(committed).toHaveLength(1);

    const retried = await agent.tools.sendMessage(reply);
    if (retried.result !== 'send_message_success') throw new Error(JSON.stringify(retried));
    expect(retried.message.id).toBe(committed[0]?.id);

    const rows = await db.query<{ sender_id: string; content: string }>(
      'SELECT sender_id, content FROM messages WHERE thread_id = $1 ORDER BY seq',
      [threadId],
    );
    expect(rows).toEqual([
      { sender_id: wallet.address, content: 'are you there?' },
      { sender_id: 'agent-a', content: reply.content },
    ]);
    const history = await request('GET', `${gw.url}/api/threads/${threadId}/messages`, { token });
    expect(JSON.stringify(history.json)).toContain(MARKER);

    // The next reply is a new message, even with the same words.
    await request('POST', `${gw.url}/api/threads/${threadId}/messages`, {
      token,
      body: { content: 'say that again?', clientMessageId: 'q2' },
    });
    await agent.tools.waitForMentions({ timeoutMs: 5000 });
    const again = await agent.tools.sendMessage(reply);
    expect(again.result).toBe('send_message_success');
    const replies = await db.query(
      'SELECT 1 FROM messages WHERE thread_id = $1 AND sender_id = $2',
      [threadId, 'agent-a'],
    );
    expect(replies).toHaveLength(2);
  });

  it("with the agent's own idempotency key: the same words twice at once are two messages, and a retry after other messages is still one", async () => {
    const { wallet, token, agent, threadId } = await openThreadWithAgentA();
    await request('POST', `${gw.url}/api/threads/${threadId}/messages`, {
      token,
      body: { content: 'two questions', clientMessageId: 'k-q1' },
    });
    await agent.tools.waitForMentions({ timeoutMs: 5000 });
    const words = { threadId, content: 'noted', mentions: [wallet.address] };
    // Sent at once, before either is on the bus: a key derived from the bus and the words would
    // take the second for a retry of the first.
    const [one, two] = await Promise.all([
      agent.tools.sendMessage({ ...words, idempotencyKey: 'reply-1' }),
      agent.tools.sendMessage({ ...words, idempotencyKey: 'reply-2' }),
    ]);
    if (one.result !== 'send_message_success' || two.result !== 'send_message_success') {
      throw new Error(JSON.stringify([one, two]));
    }
    expect(one.message.id).not.toBe(two.message.id);

    // Stored, but the answer is lost; then another message of the agent lands before the retry.
    const lostAnswer = {
      threadId,
      content: `later (${MARKER})`,
      mentions: [wallet.address],
      idempotencyKey: 'reply-3',
    };
    proxy.armed = true;
    const first = await agent.tools.sendMessage(lostAnswer);
    expect(first).toMatchObject({ result: 'error', code: 'persist_failed' });
    const between = await agent.tools.sendMessage({ ...words, idempotencyKey: 'reply-4' });
    expect(between.result).toBe('send_message_success');
    const retried = await agent.tools.sendMessage(lostAnswer);
    expect(retried.result).toBe('send_message_success');

    const rows = await db.query<{ content: string }>(
      'SELECT content FROM messages WHERE thread_id = $1 AND sender_id = $2 ORDER BY seq',
      [threadId, 'agent-a'],
    );
    expect(rows.map((r) => r.content)).toEqual(['noted', 'noted', lostAnswer.content, 'noted']);
  });
});
