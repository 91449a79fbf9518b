// The whole topology as real processes (issue 8): PostgreSQL with its streaming read replica (the
// gateways' DATABASE_READ_URL) and the AWS emulator from the test-env providers, two gateway tasks behind an ALB-like sticky load balancer, the six agents on
// both tasks, two cron-workers. The scenarios run in order on one topology and leave it healthy
// for the next; afterAll stops every process, and the processes stop by themselves should this
// run die (parent-watch preload, stdin-bound PostgreSQL and moto).
import {
  CloudWatchClient,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
} from '@aws-sdk/client-cloudwatch';
import { rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import {
  AGENT_IDS,
  Player,
  REPO_ROOT,
  fetchHealth,
  messageSeq,
  playerAddress,
  replicationLag,
  startTopology,
  waitForReplay,
  waitUntil,
  type ApiMessage,
  type EventStream,
  type Task,
  type Topology,
} from '@pardon/topology';

const PLAYERS = 60;
const POOLS = 5;
const REPLY_TIMEOUT_MS = 30_000;
// Words the scripted brains answer without consulting another agent (no "pardon", no names),
// so that every player message gets exactly one reply from the agent it was sent to.
const small = (n: number, i: number) => `message ${i} of player ${n}: how is business this week?`;

const LOG_DIR = path.join(REPO_ROOT, 'tmp', 'integration-logs');

let topology: Topology;
let db: pg.Pool;
let playersMade = 0;
const madePlayers: Player[] = [];

/**
 * A player with its own loopback address, as real players have their own: the balancer appends it
 * to X-Forwarded-For and the gateways (default limits) keep one rate bucket per player.
 */
function newPlayer(url = topology.url): Player {
  const player = new Player(url, { localAddress: playerAddress(playersMade++) });
  madePlayers.push(player);
  return player;
}

interface Conversation {
  player: Player;
  agentId: string;
  threadId: string;
  stream: EventStream;
  /** Message ids the gateway acknowledged with 202, with what was said. */
  acked: Array<{ id: string; content: string }>;
}
const conversations: Conversation[] = [];

async function storedMessages(threadId: string) {
  const rows = await db.query<{
    seq: number;
    sender_id: string;
    content: string;
    client_message_id: string | null;
  }>(
    'SELECT seq, sender_id, content, client_message_id FROM messages WHERE thread_id = $1 ORDER BY seq',
    [threadId],
  );
  return rows.rows;
}

/** Sends a signal to a process this suite started, unless it has exited meanwhile. */
function signalIfAlive(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** Sends `content` and records the acknowledged id. */
async function say(c: Conversation, content: string): Promise<string> {
  const id = await c.player.say(c.threadId, content);
  c.acked.push({ id, content });
  return id;
}

/** Waits until the agent's reply to message `id` reached the player's event stream. */
function replyTo(c: Conversation, id: string): Promise<void> {
  const seq = messageSeq(id);
  return c.stream.until(
    (ms) => ms.some((m) => m.senderId === c.agentId && messageSeq(m.id) > seq),
    REPLY_TIMEOUT_MS,
    `${c.agentId}'s reply to ${id}`,
  );
}

/**
 * Waits until every acknowledged message of the conversation has its reply on the stream. After
 * an outage the agent still owes replies to older messages, so "a reply after my last message"
 * (`replyTo`) may be one of those; this counts instead (one reply per message).
 */
function allAnswered(c: Conversation): Promise<void> {
  return c.stream.until(
    (ms) => ms.filter((m) => m.senderId === c.agentId).length >= c.acked.length,
    REPLY_TIMEOUT_MS,
    `${c.agentId}'s replies to all ${c.acked.length} acknowledged messages`,
  );
}

/**
 * Every acknowledged message is stored once and in order, every one is answered by the agent, and
 * the event stream carried exactly the stored history (no gap, no duplicate).
 */
async function expectIntact(c: Conversation, everyAnswered = true): Promise<void> {
  const rows = await storedMessages(c.threadId);
  expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
  const playerRows = rows.filter((r) => r.sender_id === c.player.wallet);
  expect(playerRows.map((r) => r.content)).toEqual(c.acked.map((a) => a.content));
  expect(playerRows.map((r) => r.seq)).toEqual(c.acked.map((a) => messageSeq(a.id)));
  // Replies never run ahead of the player's messages, and every message has its reply.
  let unanswered = 0;
  for (const row of rows) {
    if (row.sender_id === c.player.wallet) unanswered += 1;
    else {
      expect(row.sender_id).toBe(c.agentId);
      expect(unanswered).toBeGreaterThan(0);
      unanswered -= 1;
    }
  }
  if (everyAnswered && unanswered !== 0) {
    // The thread and its sender order (P player, A agent) say which message lacks a reply.
    const order = rows.map((r) => `${r.seq}${r.sender_id === c.player.wallet ? 'P' : 'A'}`);
    throw new Error(`${unanswered} unanswered in thread ${c.threadId}: ${order.join(' ')}`);
  }
  const history = await c.player.messages(c.threadId);
  expect(history.map((m) => messageSeq(m.id))).toEqual(rows.map((r) => r.seq));
  const streamed = c.stream.messages.map((m: ApiMessage) => messageSeq(m.id));
  expect(streamed).toEqual(rows.map((r) => r.seq));
}

beforeAll(async () => {
  rmSync(LOG_DIR, { recursive: true, force: true });
  topology = await startTopology({
    tasks: 2,
    pools: POOLS,
    cronWorkers: 2,
    aws: true,
    // The design's reader is real here: the gateways read the board and ops page from a standby.
    replica: true,
    agentLatency: 'uniform:50:200',
    logLevel: 'warn',
    // Each process's output, for CI to keep when a scenario fails (tmp/ is git-ignored).
    logDir: LOG_DIR,
    env: {
      // The default rate limits: each player has its own address (newPlayer).
      gateway: {
        DB_RETRY_BUDGET_MS: '1000',
        DB_RETRY_AFTER_S: '1',
        RECONCILE_INTERVAL_MS: '2000',
        HEARTBEAT_INTERVAL_MS: '1000',
        SSE_HEARTBEAT_MS: '2000',
      },
      agents: { AGENT_RECONNECT_BASE_MS: '100', AGENT_RECONNECT_MAX_MS: '1000' },
      cronWorker: {
        POOL_HEALTH_SCHEDULE: '*/2 * * * * *',
        GATEWAY_LIVE_WINDOW_MS: '5000',
        HEALTH_TIMEOUT_MS: '1000',
      },
    },
  });
  db = new pg.Pool({ connectionString: topology.databaseUrl, max: 4 });
  // The test's own connections see the PostgreSQL restart too: errors are expected then.
  db.on('error', () => undefined);
  // On a fresh clone the first run also builds the moto virtualenv (pip, about a minute).
}, 600_000);

afterAll(async () => {
  await Promise.all(conversations.map((c) => c.stream.close()));
  await db?.end();
  await Promise.all(madePlayers.map((p) => p.close()));
  await topology?.stop();
}, 60_000);

test('60 players spread over every pool talk with all six agents: every message is answered and stored in order', async () => {
  const players = await Promise.all(Array.from({ length: PLAYERS }, () => newPlayer().signIn()));
  expect(new Set(players.map((p) => p.pool)).size).toBe(POOLS);
  expect(new Set(players.map((p) => p.task))).toEqual(new Set(['task-1', 'task-2']));

  await Promise.all(
    players.map(async (player, n) => {
      const agents = [AGENT_IDS[n % 6], AGENT_IDS[(n + 3) % 6]] as string[];
      await Promise.all(
        agents.map(async (agentId) => {
          const threadId = await player.openThread(agentId);
          const c: Conversation = {
            player,
            agentId,
            threadId,
            stream: player.follow(threadId),
            acked: [],
          };
          conversations.push(c);
          for (let i = 1; i <= 2; i += 1) await replyTo(c, await say(c, small(n, i)));
        }),
      );
    }),
  );
  expect(conversations).toHaveLength(PLAYERS * 2);
  for (const c of conversations) await expectIntact(c);
});

test('SIGKILL of a gateway mid-conversation: its players continue on the other task with intact histories and streams', async () => {
  const [victim, survivor] = topology.tasks as [Task, Task];
  const onVictim = conversations.filter((c) => c.player.task === victim.taskId);
  const onSurvivor = conversations.filter((c) => c.player.task === survivor.taskId);
  expect(onVictim.length).toBeGreaterThan(0);
  const connectionsBefore = new Map(onVictim.map((c) => [c, c.stream.connections]));

  // The victim's agents are frozen first, so that every message acknowledged on that task is still
  // unanswered when it dies, however fast the machine is; they thaw after the kill and reconnect.
  const frozen = [...victim.agents.values()].map((agent) => agent.pid);
  const thaw = () => frozen.forEach((pid) => signalIfAlive(pid, 'SIGCONT'));
  frozen.forEach((pid) => signalIfAlive(pid, 'SIGSTOP'));
  let killed = false;
  try {
    const beforeKill = await Promise.all(
      conversations.map((c) => say(c, 'one more thing before lunch')),
    );
    await victim.gateway.kill('SIGKILL');
    killed = true;
    thaw();
    const unansweredAtKill = onVictim.filter(
      (c) =>
        !c.stream.messages.some(
          (m) =>
            m.senderId === c.agentId &&
            messageSeq(m.id) > messageSeq(beforeKill[conversations.indexOf(c)] as string),
        ),
    );
    // The kill really interrupts conversations: every player of the victim still waits for a reply.
    expect(unansweredAtKill).toHaveLength(onVictim.length);

    // Each acknowledged message is answered once the player reaches the surviving task.
    await Promise.all(conversations.map((c, i) => replyTo(c, beforeKill[i] as string)));
    await Promise.all(
      conversations.map(async (c) => replyTo(c, await say(c, 'and after lunch, how is business?'))),
    );

    for (const c of onVictim) {
      expect(c.player.task).toBe(survivor.taskId);
      expect(c.stream.connections).toBeGreaterThan(connectionsBefore.get(c) ?? 0);
    }
    for (const c of onSurvivor) expect(c.player.task).toBe(survivor.taskId);
    for (const c of conversations) await expectIntact(c);
  } finally {
    thaw();
    if (!killed) await victim.gateway.kill('SIGKILL');
    // The task comes back (as ECS would replace it) and its agents reconnect by themselves, also
    // when an assertion above failed, so that the later scenarios start from a healthy topology.
    await topology.restartGateway(victim);
    await waitUntil(
      `every pool of ${victim.taskId} ready again`,
      async () =>
        (await fetchHealth(victim.url, topology.secrets.opsToken)).pools.every((p) => p.ready),
      30_000,
    );
  }
}, 180_000);

test('idle sessions expire after a shortened idle window: sessions end and threads close in the database and on the buses', async () => {
  await Promise.all(conversations.map((c) => c.stream.close()));
  const idle = await Promise.all(
    Array.from({ length: 4 }, async (_, n) => {
      const player = await newPlayer().signIn();
      const threadId = await player.openThread(AGENT_IDS[n] as string);
      return { player, threadId };
    }),
  );
  await topology.restartCronWorkers({
    SESSION_IDLE: '3s',
    SESSION_CLEANUP_SCHEDULE: '* * * * * *',
    THREAD_CLEANUP_SCHEDULE: '* * * * * *',
  });
  try {
    await waitUntil(
      'every session ended and every thread closed in the database',
      async () => {
        const open = await db.query(
          `SELECT (SELECT count(*) FROM sessions WHERE ended_at IS NULL)::int AS sessions,
                  (SELECT count(*) FROM threads WHERE closed_at IS NULL)::int AS threads`,
        );
        return open.rows[0].sessions === 0 && open.rows[0].threads === 0;
      },
      30_000,
    );
    const ended = await db.query<{ end_reason: string; close_reason: string }>(
      `SELECT s.end_reason, t.close_reason FROM sessions s JOIN threads t ON t.session_id = s.id
       WHERE s.id = ANY($1::uuid[])`,
      [idle.map((i) => i.player.sessionId)],
    );
    expect(ended.rows).toHaveLength(idle.length);
    for (const row of ended.rows) {
      expect(row).toEqual({ end_reason: 'idle', close_reason: 'session_expired' });
    }
    await waitUntil(
      'no open thread left on any bus of either task',
      async () => {
        const healths = await Promise.all(
          topology.tasks.map((t) => fetchHealth(t.url, topology.secrets.opsToken)),
        );
        return healths.every((h) => h.pools.every((p) => p.activeThreads === 0));
      },
      15_000,
    );
    for (const { player, threadId } of idle) {
      const threads = await player.threads();
      expect(threads.find((t) => t.threadId === threadId)?.closedAt).not.toBeNull();
    }
  } finally {
    await topology.restartCronWorkers();
  }
}, 120_000);

test('a killed agent degrades its pools and new sessions there get session_not_ready until it is back', async () => {
  const task = topology.tasks[1] as Task;
  await task.agents.get('cz')?.kill('SIGKILL');
  await waitUntil(
    'every pool of the task to miss cz',
    async () =>
      (await fetchHealth(task.url, topology.secrets.opsToken)).pools.every(
        (p) => !p.ready && p.missingAgents.includes('cz'),
      ),
    15_000,
  );
  const health = await fetchHealth(task.url, topology.secrets.opsToken);
  expect(health.httpStatus).toBe(503);

  const direct = await newPlayer(task.url).signIn({ session: false });
  const refused = await direct.openSession(true);
  expect(refused.status).toBe(503);
  expect(refused.json['error']).toBe('session_not_ready');
  // The other task is unaffected.
  expect(
    (await fetchHealth((topology.tasks[0] as Task).url, topology.secrets.opsToken)).pools.every(
      (p) => p.ready,
    ),
  ).toBe(true);

  await topology.startAgent(task, 'cz');
  await waitUntil(
    'every pool ready again',
    async () =>
      (await fetchHealth(task.url, topology.secrets.opsToken)).pools.every((p) => p.ready),
    15_000,
  );
  expect((await direct.openSession(true)).status).toBe(200);
}, 60_000);

test("the run's custom metrics are readable from the AWS emulator", async () => {
  const aws = topology.aws;
  if (!aws) throw new Error('the topology was started without the AWS emulator');
  const cloudwatch = new CloudWatchClient({
    endpoint: aws.endpoint,
    region: aws.region,
    credentials: aws.credentials,
  });
  try {
    const wanted = ['ActiveThreads', 'ActiveSessions', 'PoolHealthy', 'PaymentVolume'];
    let names = new Set<string>();
    await waitUntil(
      'the four custom metrics in the emulator',
      async () => {
        const listed = await cloudwatch.send(
          new ListMetricsCommand({ Namespace: 'PardonSimulator' }),
        );
        names = new Set((listed.Metrics ?? []).map((m) => m.MetricName ?? ''));
        return wanted.every((w) => names.has(w));
      },
      30_000,
    );
    const pools = await cloudwatch.send(
      new ListMetricsCommand({ Namespace: 'PardonSimulator', MetricName: 'PoolHealthy' }),
    );
    const poolNames = new Set(
      (pools.Metrics ?? []).flatMap((m) => (m.Dimensions ?? []).map((d) => d.Value)),
    );
    expect(poolNames).toEqual(new Set(topology.pools));
  } finally {
    cloudwatch.destroy();
  }
}, 60_000);

test('a premium service paid through the balancer is delivered once, and PaymentVolume counts it', async () => {
  const chain = topology.chain;
  const aws = topology.aws;
  if (!chain || !aws) throw new Error('the topology was started without its local chain or AWS');
  const player = await newPlayer().signIn();
  const agentId = 'trump-eric';
  const threadId = await player.openThread(agentId);
  const stream = player.follow(threadId);
  const requests: Array<{ intentId: string; amount: string }> = [];
  const settled: unknown[] = [];
  stream.onNamed((name, data) => {
    if (name === 'payment_request') requests.push(data as { intentId: string; amount: string });
    if (name === 'payment_settled') settled.push(data);
  });
  try {
    await player.say(threadId, 'Do you have any insider info or secrets for me? I can pay for it.');
    await stream.until(() => requests.length > 0, REPLY_TIMEOUT_MS, `${agentId}'s payment request`);
    const [offer] = requests;
    if (!offer) throw new Error('no payment request');
    const paid = await player.payWithLocalWallet(offer.intentId);
    expect(paid.status).toBe(200);
    expect(paid.json).toMatchObject({ created: true, payment: { status: 'verified' } });
    // The agent delivers the service after the server's notice, on whichever task holds it.
    await stream.until(
      (ms) => {
        const notice = ms.findIndex((m) => m.senderId === 'system');
        return notice >= 0 && ms.slice(notice + 1).some((m) => m.senderId === agentId);
      },
      REPLY_TIMEOUT_MS,
      `${agentId}'s delivery after the payment`,
    );
    const rows = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM payments WHERE intent_id = $1 AND verified`,
      [offer.intentId],
    );
    expect(rows.rows[0]?.n).toBe(1);

    const cloudwatch = new CloudWatchClient({
      endpoint: aws.endpoint,
      region: aws.region,
      credentials: aws.credentials,
    });
    try {
      const expected = Number(BigInt(offer.amount) / 10n ** BigInt(chain.decimals));
      let sum = 0;
      await waitUntil(
        'PaymentVolume of the payment in the emulator',
        async () => {
          const stats = await cloudwatch.send(
            new GetMetricStatisticsCommand({
              Namespace: 'PardonSimulator',
              MetricName: 'PaymentVolume',
              Dimensions: [{ Name: 'Currency', Value: chain.mint }],
              StartTime: new Date(Date.now() - 10 * 60_000),
              EndTime: new Date(Date.now() + 60_000),
              Period: 60,
              Statistics: ['Sum'],
            }),
          );
          sum = (stats.Datapoints ?? []).reduce((total, d) => total + (d.Sum ?? 0), 0);
          return sum >= expected;
        },
        30_000,
      );
      expect(sum).toBe(expected);
    } finally {
      cloudwatch.destroy();
    }
  } finally {
    await stream.close();
  }
}, 90_000);

test('a PostgreSQL restart during traffic gives clean 503s with Retry-After and the platform recovers by itself', async () => {
  const postgres = topology.postgres;
  if (!postgres) throw new Error('the topology was started without an embedded PostgreSQL');
  const players = await Promise.all(Array.from({ length: 8 }, () => newPlayer().signIn()));
  const traffic = await Promise.all(
    players.map(async (player, n) => {
      const agentId = AGENT_IDS[n % 6] as string;
      const threadId = await player.openThread(agentId);
      return {
        player,
        agentId,
        threadId,
        stream: player.follow(threadId),
        acked: [],
      } as Conversation;
    }),
  );
  conversations.push(...traffic);

  const statuses: number[] = [];
  const retryAfter: string[] = [];
  let running = true;
  let counter = 0;
  // Players keep talking (a message every 600 ms each) without waiting for replies, which cannot
  // be stored while the database is down; replies are checked once it is back.
  const loops = traffic.map(async (c) => {
    while (running) {
      const content = `during the outage ${++counter}`;
      const response = await c.player.call('POST', `/api/threads/${c.threadId}/messages`, {
        content,
        clientMessageId: `${c.threadId}-${counter}`,
      });
      statuses.push(response.status);
      if (response.status === 202)
        c.acked.push({ id: String(response.json['messageId']), content });
      else retryAfter.push(response.headers.get('retry-after') ?? '');
      // Under the default 120 requests/min per wallet, with the stream's reconnects.
      await new Promise((r) => setTimeout(r, 600));
    }
  });
  const accepted = () => statuses.filter((s) => s === 202).length;
  try {
    await waitUntil('traffic flowing', async () => accepted() >= 8, 20_000);
    await postgres.stop();
    // Down for two rounds of 503s (each outlasts the gateway's DB_RETRY_BUDGET_MS), so replies
    // the agents were sending when it went down are refused with persist_failed, not just
    // delayed by the gateway's own retry.
    await waitUntil(
      '503s while the database is down',
      async () => statuses.filter((s) => s === 503).length >= 2 * traffic.length,
      20_000,
    );
    const healthDown = await fetchHealth(
      (topology.tasks[0] as Task).url,
      topology.secrets.opsToken,
    );
    expect(healthDown.httpStatus).toBe(503);
    expect(healthDown.database).toBe('down');
    await postgres.start();
    const acceptedBefore = accepted();
    await waitUntil(
      'messages accepted again after the restart',
      async () => accepted() >= acceptedBefore + 16,
      30_000,
    );
  } finally {
    running = false;
    await Promise.allSettled(loops);
  }
  await Promise.all(loops);

  expect(new Set(statuses.filter((s) => s !== 202))).toEqual(new Set([503]));
  expect(retryAfter.every((v) => /^\d+$/.test(v))).toBe(true);
  for (const proc of topology.group.list()) expect(proc.alive()).toBe(true);
  expect(topology.group.list()).toHaveLength(2 + 12 + 2);
  await waitUntil(
    'both tasks healthy again',
    async () => {
      const healths = await Promise.all(
        topology.tasks.map((t) => fetchHealth(t.url, topology.secrets.opsToken)),
      );
      return healths.every((h) => h.httpStatus === 200 && h.pools.every((p) => p.ready));
    },
    30_000,
  );
  // Recovered by itself: a new message in every thread is answered, and so is every message
  // acknowledged before or during the outage (agents retry a reply the gateway could not store
  // while the database was down), each once and in order.
  await Promise.all(
    traffic.map(async (c) => {
      await say(c, 'the database is back, is it not?');
      await allAnswered(c);
    }),
  );
  for (const c of traffic) await expectIntact(c, true);

  // The read replica reconnected to the restarted primary by itself: what the writer holds now is
  // replayed on the standby the gateways read from.
  const replica = topology.replica;
  if (!replica) throw new Error('the topology was started without its read replica');
  const threadIds = traffic.map((c) => c.threadId);
  const count = 'SELECT count(*)::int AS n FROM messages WHERE thread_id = ANY($1)';
  const onWriter = (await db.query<{ n: number }>(count, [threadIds])).rows[0]?.n ?? 0;
  await waitForReplay(replica);
  const standby = new pg.Client({ connectionString: replica.url });
  await standby.connect();
  try {
    const onStandby = (await standby.query<{ n: number }>(count, [threadIds])).rows[0]?.n ?? 0;
    expect(onStandby).toBeGreaterThanOrEqual(onWriter);
  } finally {
    await standby.end();
  }
  expect((await replicationLag(replica)).paused).toBe(false);
}, 180_000);
