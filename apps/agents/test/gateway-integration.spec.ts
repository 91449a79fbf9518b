// Locks in the agents against the real system: a gateway child process (apps/gateway) on real
// PostgreSQL, and the six agents as child processes connected to all five pools, each with its
// own secret (four over Coral's HTTP+SSE transport, two over MCP Streamable HTTP; three speaking
// Coral 1.2, three Coral 1.0, so every transport meets both dialects). Every pool becomes ready,
// every agent answers a player in persona, one thread is answered in order while another thread
// is not held up, and after the gateway is killed and started again on the same port every agent
// reconnects and answers again. Each player message is evaluated by its agent
// (`pardon_award_points`): the player's week score on `GET /api/me` is what the rubric and the
// game's rules give.
import { agentSecretEnvName } from '@pardon/coral';
import { createTestDatabase, freePort, type TestDatabase } from '@pardon/test-env';
import {
  appSource,
  eventually,
  prepareApps,
  ProcessGroup,
  type AppBundles,
  type ManagedProcess,
} from '@pardon/topology';
import { applyEvaluation, createPlayerWeekState, recordPlayerMessage, weekOf } from '@pardon/game';
import { AGENT_IDS, getPersona, type AgentId, type LineKind } from '../src/lib/personas';
import { rubricEvaluation } from '../src/lib/rubric';
import { containsTemplate } from '../src/lib/template';
import { GOOD_PLAYER } from './support/good-player';
import { Player, type ApiMessage } from './support/player';

jest.setTimeout(120_000);

const POOLS = ['pool-0', 'pool-1', 'pool-2', 'pool-3', 'pool-4'];
/** Every agent has its own secret; the gateway holds them all as `AGENT_SECRET_<ID>`. */
const secretOf = (id: string): string => `integration-secret-${id}-0123456789abcdef`;
const AGENT_SECRETS = Object.fromEntries(
  AGENT_IDS.map((id) => [agentSecretEnvName(id), secretOf(id)]),
);
/** These agents use MCP Streamable HTTP; the others Coral's HTTP+SSE, so both transports are covered. */
const STREAMABLE = new Set(['trump-barron', 'cz']);
/** These agents speak Coral 1.0 (bearer secret, devmode URLs); the others Coral 1.2 (the default). */
const CORAL_1_0 = new Set(['trump-melania', 'trump-donjr', 'cz']);
/** cz thinks for a fixed time so ordering and concurrency are observable; the others answer at once. */
const CZ_LATENCY_MS = 1000;

let db: TestDatabase;
let gatewayPort: number;
let baseUrl: string;
const processes = new ProcessGroup();
let gateway: ManagedProcess;
let agentBundle: AppBundles | undefined;
const agents = new Map<string, { proc: ManagedProcess; healthPort: number }>();

/** Spawns the gateway from source; the tests wait for what they need from it. */
function startGateway(): ManagedProcess {
  return processes.spawn({
    name: 'gateway',
    ...appSource('gateway'),
    env: {
      PORT: String(gatewayPort),
      HOST: '127.0.0.1',
      POOL_COUNT: String(POOLS.length),
      ...AGENT_SECRETS,
      TOKEN_SECRET: 'integration-token-secret-0123456789-abcdef',
      OPS_TOKEN,
      TASK_ID: `agents-it-${process.pid}`,
      DATABASE_URL: db.url,
      LOG_LEVEL: 'warn',
    },
  });
}

/** Gives up early when a process the test needs has died. */
function deadProcess(): string | undefined {
  if (!gateway.alive()) return `gateway exited`;
  for (const [id, { proc }] of agents) if (!proc.alive()) return `agent ${id} exited`;
  return undefined;
}

function diagnostics(): string {
  const parts = [`--- gateway ---\n${gateway?.output() ?? ''}`];
  for (const [id, { proc }] of agents)
    parts.push(`--- ${id} ---\n${proc.output().split('\n').slice(-8).join('\n')}`);
  return parts.join('\n');
}

interface GatewayHealth {
  status: string;
  pools: Array<{ pool: string; ready: boolean; agentsConnected: string[] }>;
}

// The agent lists of /health come with the ops token only.
const OPS_TOKEN = 'integration-ops-token-0123456789';

async function gatewayHealth(): Promise<GatewayHealth> {
  const response = await fetch(`${baseUrl}/health`, {
    headers: { authorization: `Bearer ${OPS_TOKEN}` },
  });
  return (await response.json()) as GatewayHealth;
}

/** Resolves once the gateway's /health lists every pool ready with all six agents connected. */
async function allPoolsReady(timeoutMs: number): Promise<GatewayHealth> {
  return eventually(
    'every pool ready with all six agents',
    async () => {
      const health = await gatewayHealth();
      const complete =
        health.pools.length === POOLS.length &&
        health.pools.every(
          (p) => p.ready && AGENT_IDS.every((id) => p.agentsConnected.includes(id)),
        );
      return complete ? health : undefined;
    },
    timeoutMs,
    { diagnostics, hopeless: deadProcess },
  );
}

async function agentReady(id: string): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${agents.get(id)?.healthPort}/ready`);
  return response.status === 200;
}

/** Waits until the thread holds `count` messages from `agentId` and returns the whole thread. */
async function repliesFrom(
  player: Player,
  threadId: string,
  agentId: string,
  count: number,
): Promise<ApiMessage[]> {
  return eventually(
    `${count} repl${count === 1 ? 'y' : 'ies'} from ${agentId}`,
    async () => {
      const messages = await player.messages(threadId);
      return messages.filter((m) => m.senderId === agentId).length >= count ? messages : undefined;
    },
    30_000,
    { diagnostics, hopeless: deadProcess },
  );
}

function lineKinds(agentId: string, text: string): LineKind[] {
  const persona = getPersona(agentId);
  return (Object.keys(persona.lines) as LineKind[]).filter((kind) =>
    persona.lines[kind].some((line) => containsTemplate(text, line)),
  );
}

beforeAll(async () => {
  db = await createTestDatabase();
  gatewayPort = await freePort();
  baseUrl = `http://127.0.0.1:${gatewayPort}`;
  gateway = startGateway();
  // Only the agents are bundled (six processes start in well under a second each).
  agentBundle = await prepareApps('bundle', { apps: ['agents'] });
  for (const id of AGENT_IDS) {
    const healthPort = await freePort();
    const proc = processes.spawn({
      name: id,
      entry: agentBundle.entry.agents,
      env: {
        AGENT_ID: id,
        CORAL_SSE_URL: `${baseUrl}/sse/v1/devmode/pardon/local`,
        CORAL_SESSIONS: POOLS.join(','),
        CORAL_TRANSPORT: STREAMABLE.has(id) ? 'streamable-http' : 'sse',
        CORAL_DIALECT: CORAL_1_0.has(id) ? 'coral-1.0' : 'coral-1.2',
        AGENT_SECRET: secretOf(id),
        AGENT_LATENCY_MS: id === 'cz' ? `fixed:${CZ_LATENCY_MS}` : '0',
        AGENT_CONCURRENCY: '4',
        AGENT_SEED: 'integration',
        CORAL_WAIT_TIMEOUT_MS: '10000',
        AGENT_RECONNECT_MAX_MS: '2000',
        HEALTH_PORT: String(healthPort),
        LOG_LEVEL: 'info',
      },
    });
    agents.set(id, { proc, healthPort });
  }
}, 120_000);

afterAll(async () => {
  await processes.killAll();
  agentBundle?.remove();
  await db?.drop();
});

describe('agents against a real gateway', () => {
  it('connect all six agents to all five pools, so /health shows every pool ready', async () => {
    const health = await allPoolsReady(90_000);
    expect(health.status).toBe('ok');
    expect(health.pools.map((p) => p.pool).sort()).toEqual(POOLS);
    // The gateway counts an agent as soon as its stream opens; the agent once its MCP session is up.
    await eventually(
      'every agent to report all pools ready',
      async () =>
        (await Promise.all(AGENT_IDS.map(agentReady))).every(Boolean) ? true : undefined,
      10_000,
      { diagnostics, hopeless: deadProcess },
    );
  });

  it('answer a player message to each agent in persona, mentioning the player', async () => {
    await Promise.all(
      AGENT_IDS.map(async (id) => {
        const player = await new Player(baseUrl).signIn();
        const threadId = await player.openThread(id);
        await player.say(threadId, 'Hello there! How much does a favour cost?');
        const messages = await repliesFrom(player, threadId, id, 1);
        const reply = messages.find((m) => m.senderId === id) as ApiMessage;
        expect(reply.mentions).toContain(player.wallet);
        expect(lineKinds(id, reply.content)).toContain('money');
      }),
    );
  });

  it('answer the messages of one thread in order while a slow reply does not hold up another thread', async () => {
    const alice = await new Player(baseUrl).signIn();
    const bob = await new Player(baseUrl).signIn();
    const aliceThread = await alice.openThread('cz');
    const bobThread = await bob.openThread('cz');
    await alice.say(aliceThread, 'hello CZ');
    // Bob writes while cz is still thinking about Alice's first message; Alice keeps writing.
    await Promise.all([
      bob.say(bobThread, 'gm, what is your price?'),
      (async () => {
        await alice.say(aliceThread, 'you are a pathetic clown');
        await alice.say(aliceThread, 'what is your price for a favour?');
      })(),
    ]);

    const aliceMessages = await repliesFrom(alice, aliceThread, 'cz', 3);
    const aliceReplies = aliceMessages.filter((m) => m.senderId === 'cz');
    expect(aliceReplies.map((m) => lineKinds('cz', m.content)[0])).toEqual([
      'greeting',
      'insult',
      'money',
    ]);
    // Each reply of the thread came after the previous one had finished thinking.
    const times = aliceReplies.map((m) => Date.parse(m.createdAt));
    for (let i = 1; i < times.length; i++) {
      expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(
        CZ_LATENCY_MS - 100,
      );
    }
    const bobReply = (await repliesFrom(bob, bobThread, 'cz', 1)).find(
      (m) => m.senderId === 'cz',
    ) as ApiMessage;
    // Bob's thread was answered alongside Alice's first message, not after her whole queue.
    expect(Date.parse(bobReply.createdAt)).toBeLessThan(times[1] as number);
  });

  it('evaluate each player message, so the player scores what the rubric and the game rules give', async () => {
    const player = await new Player(baseUrl).signIn();
    const plan: Array<[AgentId, string]> = [
      ['trump-eric', 'Your dad built a great business. I want to invest in a Trump hotel.'],
      ['trump-melania', 'How is Barron? Your elegance is an inspiration.'],
      ['cz', 'You are a great builder, the President was wise to pardon you.'],
    ];
    const now = Date.now();
    let expected = createPlayerWeekState(weekOf(now).id);
    for (const [agentId, content] of plan) {
      const threadId = await player.openThread(agentId);
      await player.say(threadId, content);
      await repliesFrom(player, threadId, agentId, 1);
      const { score } = rubricEvaluation(getPersona(agentId), content);
      expected = recordPlayerMessage(expected, { agentId, at: now });
      expected = applyEvaluation(expected, { agentId, score, at: now }).state;
    }
    const probe = await player.me();
    expect(probe.status).toBe(200);
    const me = await eventually(
      `the player's score to reach ${expected.score}`,
      async () => {
        const got = await player.me();
        return got.json['score'] === expected.score ? got.json : undefined;
      },
      15_000,
      { diagnostics, hopeless: deadProcess },
    );
    console.log(`game API: the player scored ${String(me['score'])} for ${plan.length} messages`);
    expect(me['agentsTalkedTo']).toEqual(expect.arrayContaining(plan.map(([id]) => id)));
    expect(me['messagesSent']).toBe(plan.length);
    expect(me['lastChange']).toMatchObject({ agentId: 'cz' });
  });

  it('play a scripted game to the pardon: the stream shows it, the board lists the player', async () => {
    const player = await new Player(baseUrl).signIn();
    const threads = new Map<AgentId, { id: string; stream: ReturnType<Player['follow']> }>();
    for (const id of AGENT_IDS) {
      const threadId = await player.openThread(id);
      threads.set(id, { id: threadId, stream: player.follow(threadId) });
    }
    const streams = [...threads.values()].map((t) => t.stream);
    const pardoned = () => streams.some((st) => st.text().includes('event: pardon'));
    // Replies are counted on the thread's stream, not by polling (the per-wallet rate limit).
    const replies = (agentId: AgentId) =>
      (
        threads
          .get(agentId)
          ?.stream.text()
          .match(new RegExp(`"senderId":"${agentId}"`, 'g')) ?? []
      ).length;
    let sent = 0;
    try {
      // Round robin over the six agents, each reply awaited, until the pardon (or far too long).
      for (let i = 0; i < 120 && !pardoned(); i += 1) {
        const agentId = AGENT_IDS[i % AGENT_IDS.length] as AgentId;
        const lines = GOOD_PLAYER[agentId];
        const turn = Math.floor(i / AGENT_IDS.length);
        const thread = threads.get(agentId) as { id: string };
        await player.say(thread.id, lines[turn % lines.length] as string);
        sent += 1;
        // The agent evaluates before it replies: its reply means the score has moved.
        await eventually(
          `reply ${turn + 1} from ${agentId}`,
          () => (replies(agentId) >= turn + 1 ? true : undefined),
          30_000,
          { diagnostics, hopeless: deadProcess },
        );
      }
      const me = (await player.me()).json;
      console.log(
        `scripted game: pardon after ${sent} messages, score ${String(me['score'])}, final ${String(me['finalScore'])}`,
      );
      expect(pardoned()).toBe(true);
      expect(me['messagesSent']).toBe(sent);
      expect(me['pardonGrantedAt']).toEqual(expect.any(String));
      expect(me['finalScore']).toBeGreaterThanOrEqual(90);
      expect(sent).toBeGreaterThanOrEqual(40);
      expect(sent).toBeLessThanOrEqual(60);
      const board = await eventually(
        'the board to list the player',
        async () => {
          const got = (await player.get('/api/leaderboard')).json;
          const entries = got['entries'] as Array<{ wallet: string }>;
          return entries.some((e) => e.wallet === player.wallet) ? got : undefined;
        },
        10_000,
        { diagnostics },
      );
      expect(board['me']).toMatchObject({ pardoned: true });
    } finally {
      for (const st of streams) st.close();
    }
  }, 240_000);

  it('reconnect every agent after the gateway is killed and started again on the same port, and answer again', async () => {
    await gateway.kill('SIGKILL');
    await eventually(
      'every agent to notice the gateway is gone',
      async () =>
        (await Promise.all(AGENT_IDS.map(agentReady))).every((r) => !r) ? true : undefined,
      30_000,
      { diagnostics },
    );
    gateway = startGateway();
    await allPoolsReady(90_000);
    await eventually(
      'every agent ready again',
      async () =>
        (await Promise.all(AGENT_IDS.map(agentReady))).every(Boolean) ? true : undefined,
      30_000,
      { diagnostics },
    );
    await Promise.all(
      AGENT_IDS.map(async (id) => {
        const player = await new Player(baseUrl).signIn();
        const threadId = await player.openThread(id);
        await player.say(threadId, 'Are you still there? You idiot.');
        const messages = await repliesFrom(player, threadId, id, 1);
        const reply = messages.find((m) => m.senderId === id) as ApiMessage;
        expect(lineKinds(id, reply.content)).toContain('insult');
      }),
    );
    // Each agent logged its reconnection attempts and came back on every pool.
    for (const { proc } of agents.values()) {
      expect(proc.output()).toMatch(/"attempt":\d+,"msg":"connecting"/);
      expect(proc.output()).toMatch(/"msg":"connected"/);
    }
  });
});
