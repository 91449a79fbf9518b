// Locks in event-stream admission that cannot leak or race (issue 16, item 4): a client that hangs
// up before its stream starts leaves no slot, writer (heartbeat timer) or subscription behind;
// concurrent opens on a thread not yet on this task's bus (after a restart) never exceed the
// per-thread limit; a wallet holds at most SSE_CONNECTIONS_PER_WALLET streams; a stream ends with
// `event: closed` when its thread closes, whoever closes it, on this task or another.
import { connect } from 'node:net';
import { eventually, waitUntil } from '@pardon/topology';
import { connectRoster, type TestAgent } from './support/agents';
import { useGateway } from './support/fixture';
import { agentSecretOf, CRON_SECRET, startGateway, type TestGateway } from './support/gateway';
import { SseReader } from './support/sse';
import { newWallet, request, signIn, type TestWallet } from './support/wallet';

const PER_WALLET = 4;
const fx = useGateway({ SSE_CONNECTIONS_PER_WALLET: String(PER_WALLET), LOG_LEVEL: 'warn' });

/** A second task on the same database: it has seen none of the threads (a restarted task). */
const others: TestGateway[] = [];
const extraAgents: TestAgent[] = [];
afterAll(async () => {
  await Promise.all(extraAgents.map((a) => a.close()));
  await Promise.all(others.map((g) => g.close()));
});
async function secondTask(name: string): Promise<TestGateway> {
  const gw = await startGateway(fx.db.url, {
    TASK_ID: `stream-slots-${name}`,
    SSE_CONNECTIONS_PER_WALLET: String(PER_WALLET),
    LOG_LEVEL: 'warn',
  });
  others.push(gw);
  return gw;
}

interface Player {
  wallet: TestWallet;
  token: string;
  thread(agentId?: string): Promise<string>;
}

async function player(): Promise<Player> {
  const wallet = newWallet();
  const token = await signIn(fx.gw.url, wallet);
  const s = await request('POST', `${fx.gw.url}/api/sessions`, { token });
  if (s.status !== 200) throw new Error(`session: ${s.status} ${JSON.stringify(s.json)}`);
  return {
    wallet,
    token,
    thread: async (agentId = 'agent-a') => {
      const t = await request('POST', `${fx.gw.url}/api/threads`, { token, body: { agentId } });
      if (t.status !== 201) throw new Error(`thread: ${t.status} ${JSON.stringify(t.json)}`);
      return t.json.threadId as string;
    },
  };
}

const streams: SseReader[] = [];
afterEach(() => {
  for (const s of streams.splice(0)) s.close();
});
async function open(baseUrl: string, token: string, threadId: string): Promise<SseReader> {
  const s = await SseReader.open(`${baseUrl}/api/threads/${threadId}/events`, {
    authorization: `Bearer ${token}`,
  });
  streams.push(s);
  return s;
}

/** Sends the stream request on a raw socket and hangs up at once, before any answer. */
function hangUp(baseUrl: string, token: string, threadId: string): Promise<void> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.write(
        `GET /api/threads/${threadId}/events HTTP/1.1\r\nHost: ${hostname}\r\n` +
          `Authorization: Bearer ${token}\r\nAccept: text/event-stream\r\n\r\n`,
        () => {
          socket.destroy();
          resolve();
        },
      );
    });
    socket.on('error', reject);
  });
}

function openStreamsGauge(gw: TestGateway): Promise<number> {
  return gw.server.app.metrics.sseStreams.get().then((g) => g.values[0]?.value ?? 0);
}

function connections(gw: TestGateway): Promise<number> {
  return new Promise((resolve, reject) =>
    gw.server.app.server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
  );
}

/** Opens streams until `n` are open (a hang-up still being handled may hold a slot briefly). */
async function openAll(gw: TestGateway, p: Player, threadId: string, n: number) {
  const held: SseReader[] = [];
  await eventually(
    `${n} streams to open on the thread`,
    async () => {
      const s = await open(gw.url, p.token, threadId);
      if (s.status === 200) held.push(s);
      return held.length >= n ? held : undefined;
    },
    10_000,
  );
  return held;
}

describe('event-stream slots', () => {
  it('a client that hangs up before its stream starts leaves no slot, timer or subscription', async () => {
    const p = await player();
    const threadId = await p.thread();
    const before = await connections(fx.gw);
    await Promise.all(Array.from({ length: 10 }, () => hangUp(fx.gw.url, p.token, threadId)));
    // Every hung-up socket is gone on the server, and no stream writer (each holds a heartbeat
    // timer and the thread's subscriptions, which end with it) outlived its client.
    await waitUntil(
      'the hung-up sockets to close',
      async () => (await connections(fx.gw)) <= before,
      10_000,
    );
    await waitUntil(
      'no open stream writer',
      async () => (await openStreamsGauge(fx.gw)) === 0,
      5_000,
    );

    // The thread still has its 3 slots.
    const held = await openAll(fx.gw, p, threadId, 3);
    expect(held.map((s) => s.status)).toEqual([200, 200, 200]);
    const fourth = await open(fx.gw.url, p.token, threadId);
    expect(fourth.status).toBe(429);
    expect(JSON.parse(await fourth.text())).toMatchObject({ error: 'too_many_streams' });
    for (const s of held) s.close();
    await waitUntil('the streams to end', async () => (await openStreamsGauge(fx.gw)) === 0, 5_000);
  });

  it('hang-ups during the rebuild after a restart leave no slot behind', async () => {
    const p = await player();
    const threadId = await p.thread();
    const gw2 = await secondTask('hangup');
    await Promise.all(Array.from({ length: 10 }, () => hangUp(gw2.url, p.token, threadId)));
    await waitUntil(
      'the hung-up sockets to close',
      async () => (await connections(gw2)) === 0,
      10_000,
    );
    await waitUntil(
      'no open stream writer',
      async () => (await openStreamsGauge(gw2)) === 0,
      5_000,
    );
    const held = await openAll(gw2, p, threadId, 3);
    expect(held).toHaveLength(3);
    expect((await open(gw2.url, p.token, threadId)).status).toBe(429);
  });

  it('concurrent opens on a thread not yet on the bus never exceed the per-thread limit', async () => {
    const gw2 = await secondTask('race');
    for (let round = 0; round < 3; round++) {
      const p = await player();
      const threadId = await p.thread();
      for (let i = 0; i < 5; i++) {
        const r = await request('POST', `${fx.gw.url}/api/threads/${threadId}/messages`, {
          token: p.token,
          body: { content: `m${i}`, clientMessageId: `m${i}` },
        });
        expect(r.status).toBe(202);
      }
      // gw2 has never seen this thread: the first opens rebuild it from the database.
      const opened = await Promise.all(
        Array.from({ length: 20 }, () => open(gw2.url, p.token, threadId)),
      );
      const statuses = opened.map((s) => s.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(3);
      expect(statuses.filter((s) => s === 429)).toHaveLength(17);
      for (const s of opened) s.close();
      await waitUntil('the streams to end', async () => (await openStreamsGauge(gw2)) === 0, 5_000);
    }
  });

  it(`a wallet holds at most SSE_CONNECTIONS_PER_WALLET (${PER_WALLET}) streams`, async () => {
    const p = await player();
    const a = await p.thread('agent-a');
    const b = await p.thread('agent-b');
    const onA = [await open(fx.gw.url, p.token, a), await open(fx.gw.url, p.token, a)];
    const onB = [await open(fx.gw.url, p.token, b), await open(fx.gw.url, p.token, b)];
    expect([...onA, ...onB].map((s) => s.status)).toEqual([200, 200, 200, 200]);
    const fifth = await open(fx.gw.url, p.token, a);
    expect(fifth.status).toBe(429);
    const body = JSON.parse(await fifth.text());
    expect(body).toMatchObject({ error: 'too_many_streams' });
    expect(body.message).toMatch(/per wallet/);
    // Another wallet is not affected.
    const q = await player();
    expect((await open(fx.gw.url, q.token, await q.thread())).status).toBe(200);
    // A closed stream frees the wallet's slot.
    onA[0]!.close();
    const again = await eventually(
      'a wallet slot to free',
      async () => {
        const s = await open(fx.gw.url, p.token, b);
        return s.status === 200 ? s : undefined;
      },
      5_000,
    );
    expect(again.status).toBe(200);
  });
});

describe('a stream ends with `event: closed` when its thread closes', () => {
  async function expectClosed(s: SseReader, reason: RegExp, threadId: string): Promise<void> {
    await s.waitForEnd(10_000);
    const last = s.events.at(-1);
    expect(last?.event).toBe('closed');
    expect(last?.id).toBeUndefined();
    const data = JSON.parse(last!.data);
    expect(data.threadId).toBe(threadId);
    expect(data.reason).toMatch(reason);
  }

  it('closed by the player', async () => {
    const p = await player();
    const threadId = await p.thread();
    await request('POST', `${fx.gw.url}/api/threads/${threadId}/messages`, {
      token: p.token,
      body: { content: 'hello', clientMessageId: 'c1' },
    });
    const s = await open(fx.gw.url, p.token, threadId);
    await s.waitFor(1);
    expect(
      (await request('DELETE', `${fx.gw.url}/api/threads/${threadId}`, { token: p.token })).status,
    ).toBe(200);
    await expectClosed(s, /player/i, threadId);
    expect(s.events.map((e) => e.event)).toEqual([undefined, 'closed']);
  });

  it('closed by the agent', async () => {
    const p = await player();
    const threadId = await p.thread();
    const s = await open(fx.gw.url, p.token, threadId);
    const pool = (await request('GET', `${fx.gw.url}/api/threads`, { token: p.token })).json
      .threads[0].pool;
    // This connection replaces the fixture's agent-a on the pool: it stays until the file ends.
    const [agent] = await connectRoster(fx.gw.url, agentSecretOf, [pool], ['agent-a']);
    extraAgents.push(agent!);
    await agent!.tools.closeThread({ threadId, summary: 'Deal done.' });
    await expectClosed(s, /Deal done/, threadId);
  });

  it('closed by the session-cleanup job', async () => {
    const p = await player();
    const threadId = await p.thread();
    const s = await open(fx.gw.url, p.token, threadId);
    await fx.db.query(
      `UPDATE sessions SET last_activity_at = now() - interval '2 hours' WHERE wallet = $1`,
      [p.wallet.address],
    );
    const job = await request('POST', `${fx.gw.url}/api/cron/session-cleanup`, {
      headers: { authorization: `Bearer ${CRON_SECRET}` },
    });
    expect(job.status).toBe(200);
    await expectClosed(s, /expired/i, threadId);
  });

  it('closed by the player on another task', async () => {
    const p = await player();
    const threadId = await p.thread();
    const gw2 = await secondTask('close');
    const s = await open(gw2.url, p.token, threadId);
    expect(s.status).toBe(200);
    await request('DELETE', `${fx.gw.url}/api/threads/${threadId}`, { token: p.token });
    await expectClosed(s, /player/i, threadId);
  });

  it('already closed when the stream opens: replay, then the closing event', async () => {
    const p = await player();
    const threadId = await p.thread();
    await request('POST', `${fx.gw.url}/api/threads/${threadId}/messages`, {
      token: p.token,
      body: { content: 'before', clientMessageId: 'c1' },
    });
    await request('DELETE', `${fx.gw.url}/api/threads/${threadId}`, { token: p.token });
    const s = await open(fx.gw.url, p.token, threadId);
    expect(s.status).toBe(200);
    await expectClosed(s, /closed/i, threadId);
    expect(JSON.parse(s.events[0]!.data).content).toBe('before');
  });
});
