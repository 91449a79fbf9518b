// Locks in the agent's MCP loop against real MCP clients and servers linked in memory (the Coral
// tools of @pardon/coral on a PoolBus per pool), once per Coral dialect (CORAL_DIALECT=coral-1.0
// with the 1.0 tools, coral-1.2 with the 1.2 tools): every pool connected, every mention answered,
// in order per thread and concurrently across threads, consultations between agents that end,
// replies retried across a reconnect without being answered twice, reconnection after the
// "gateway" goes away, and the health surface.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { Brain, BrainInput, BrainReply } from '../src/lib/brain';
import { startAgent, type RunningAgent } from '../src/lib/agent';
import { loadConfig } from '../src/lib/config';
import { CORAL_DIALECTS, type CoralDialect } from '../src/lib/coral';
import { getPersona, isAgentId } from '../src/lib/personas';
import { containsTemplate } from '../src/lib/template';
import { InMemoryCoral, until } from './support/in-memory-coral';

const POOLS = ['pool-0', 'pool-1', 'pool-2'];
const PLAYER = '7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU';
const logger = pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });

const SECRET = 'agent-loop-secret-0123456789abcdef';

let dialect: CoralDialect;
let coral: InMemoryCoral;
const agents: RunningAgent[] = [];

function config(agentId: string, extra: Record<string, string> = {}) {
  return loadConfig({
    AGENT_ID: agentId,
    CORAL_SSE_URL: 'http://127.0.0.1:1/sse/v1/devmode/app/priv',
    CORAL_DIALECT: dialect,
    CORAL_SESSIONS: POOLS.join(','),
    AGENT_SECRET: SECRET,
    AGENT_LATENCY_MS: '0',
    AGENT_CONCURRENCY: '4',
    CORAL_WAIT_TIMEOUT_MS: '2000',
    ...extra,
  });
}

async function start(agentId: string, extra: Record<string, string> = {}, brain?: Brain) {
  const agentConfig = config(agentId, extra);
  const agent = await startAgent(agentConfig, {
    logger,
    // The agent's client speaks its CORAL_DIALECT; the in-memory Coral serves the suite's.
    connector: coral.connectorFor(
      agentId,
      getPersona(agentId).description,
      agentConfig.CORAL_DIALECT,
    ),
    ...(brain ? { brain } : {}),
  });
  agents.push(agent);
  return agent;
}

/** A brain for scheduling tests: echoes the message after the delay written in it (`slow:300 …`). */
class TimedEchoBrain implements Brain {
  readonly name = 'timed-echo';
  async reply(input: BrainInput): Promise<BrainReply> {
    const ms = Number(/slow:(\d+)/.exec(input.message.content)?.[1] ?? 0);
    await new Promise((r) => setTimeout(r, ms));
    return { content: `echo ${input.message.content}` };
  }
}

function persona(text: string, agentId: string) {
  const p = getPersona(agentId);
  return Object.values(p.lines)
    .flat()
    .some((line) => containsTemplate(text, line));
}

describe.each(CORAL_DIALECTS)('agent MCP loop (in-memory Coral, CORAL_DIALECT=%s)', (d) => {
  beforeEach(() => {
    dialect = d;
    coral = new InMemoryCoral(POOLS, { dialect });
  });

  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.stop()));
    await coral.close();
  });

  it('speaks the dialect it is configured for', async () => {
    expect(config('cz').CORAL_DIALECT).toBe(d);
    const agent = await start('cz');
    await until(() => agent.health.ready, 5_000, 'all pools ready');
    for (const pool of POOLS) expect(coral.bus(pool).isWaiting('cz')).toBe(true);
  });

  it('connects to every pool and answers a player in each, in persona, mentioning the player', async () => {
    const agent = await start('trump-eric');
    await until(() => agent.health.ready, 5_000, 'all pools ready');
    for (const pool of POOLS) {
      expect(coral.bus(pool).isConnected('trump-eric')).toBe(true);
      const threadId = coral.openThread(pool, PLAYER, 'trump-eric');
      const reply = coral.nextMessage(
        (m) => m.threadId === threadId && m.senderId === 'trump-eric',
      );
      await coral.say(
        pool,
        threadId,
        PLAYER,
        'trump-eric',
        'Hello Eric, how much for a golf round?',
      );
      const message = await reply;
      expect(message.mentions).toEqual([PLAYER]);
      expect(persona(message.content, 'trump-eric')).toBe(true);
    }
  });

  it('answers every message of a thread, in the order they were sent', async () => {
    await start('cz', {}, new TimedEchoBrain());
    await until(() => coral.bus('pool-0').isWaiting('cz'), 5_000, 'cz waiting');
    const threadId = coral.openThread('pool-0', PLAYER, 'cz');
    const replies = coral.collect(threadId, 4, (m) => m.senderId === 'cz');
    // The first is slow: the later ones, delivered meanwhile, must still wait for it.
    await coral.say('pool-0', threadId, PLAYER, 'cz', 'one slow:200');
    await coral.say('pool-0', threadId, PLAYER, 'cz', 'two');
    await coral.say('pool-0', threadId, PLAYER, 'cz', 'three slow:50');
    await coral.say('pool-0', threadId, PLAYER, 'cz', 'four');
    expect((await replies).map((m) => m.content)).toEqual([
      'echo one slow:200',
      'echo two',
      'echo three slow:50',
      'echo four',
    ]);
  });

  it('retries a reply the gateway could not store until it can, once, and keeps the thread in order', async () => {
    // The store refuses the agent's first three sends (PostgreSQL restarting), then works again.
    let refused = 0;
    await coral.close();
    coral = new InMemoryCoral(POOLS, {
      dialect,
      beforeSend: async (draft) => {
        if (draft.senderId === 'cz' && refused < 3) {
          refused++;
          throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        }
        return { id: `stored-${draft.senderId}-${Math.random()}`, timestamp: Date.now() };
      },
    });
    await start(
      'cz',
      { AGENT_RECONNECT_BASE_MS: '20', AGENT_RECONNECT_MAX_MS: '50' },
      new TimedEchoBrain(),
    );
    await until(() => coral.bus('pool-0').isWaiting('cz'), 5_000, 'cz waiting');
    const threadId = coral.openThread('pool-0', PLAYER, 'cz');
    const replies = coral.collect(threadId, 2, (m) => m.senderId === 'cz');
    await coral.say('pool-0', threadId, PLAYER, 'cz', 'one');
    await coral.say('pool-0', threadId, PLAYER, 'cz', 'two');
    expect((await replies).map((m) => m.content)).toEqual(['echo one', 'echo two']);
    expect(refused).toBe(3);
    await agents[0]?.whenIdle();
    const stored = coral.bus('pool-0').getThread(threadId)?.messages ?? [];
    expect(stored.map((m) => `${m.senderId === 'cz' ? 'cz' : 'player'}: ${m.content}`)).toEqual([
      'player: one',
      'player: two',
      'cz: echo one',
      'cz: echo two',
    ]);
  });

  it('keeps a reply being retried across a reconnect, and the mention is not delivered again: one answer', async () => {
    let storeUp = false;
    let refused = 0;
    await coral.close();
    coral = new InMemoryCoral(POOLS, {
      dialect,
      beforeSend: async (draft) => {
        if (draft.senderId === 'cz' && !storeUp) {
          refused++;
          throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        }
        return { id: `stored-${draft.senderId}-${Math.random()}`, timestamp: Date.now() };
      },
    });
    const agent = await start(
      'cz',
      { AGENT_RECONNECT_BASE_MS: '20', AGENT_RECONNECT_MAX_MS: '50' },
      new TimedEchoBrain(),
    );
    await until(() => coral.bus('pool-0').isWaiting('cz'), 5_000, 'cz waiting');
    const threadId = coral.openThread('pool-0', PLAYER, 'cz');
    await coral.say('pool-0', threadId, PLAYER, 'cz', 'one');
    await until(() => refused >= 1, 5_000, 'a refused reply');
    // The gateway goes away and comes back while the reply is still being retried.
    await coral.crash();
    await until(() => !agent.health.ready, 5_000, 'disconnect noticed');
    coral.restart();
    await until(() => agent.health.ready, 10_000, 'ready again');
    expect(coral.connections.get('cz')).toBe(2 * POOLS.length);
    const refusedBefore = refused;
    await until(() => refused > refusedBefore, 5_000, 'another refused attempt');
    // The mention was read before the reconnect: nothing brings it back (no redelivery).
    await until(() => coral.bus('pool-0').isWaiting('cz'), 5_000, 'cz waiting again');
    expect(agent.health.snapshot().pools['pool-0']?.mentions).toBe(1);
    storeUp = true;
    await until(
      () => (coral.bus('pool-0').getThread(threadId)?.messages.length ?? 0) >= 2,
      5_000,
      'the reply',
    );
    await agents[0]?.whenIdle();
    const stored = coral.bus('pool-0').getThread(threadId)?.messages ?? [];
    expect(stored.map((m) => m.content)).toEqual(['one', 'echo one']);
    expect(agent.health.snapshot().pools['pool-0']?.mentions).toBe(1);
  });

  it('does not let a slow reply in one thread delay a reply in another', async () => {
    await start('cz', {}, new TimedEchoBrain());
    await until(() => coral.bus('pool-0').isWaiting('cz'), 5_000, 'cz waiting');
    const slowThread = coral.openThread('pool-0', PLAYER, 'cz');
    const fastThread = coral.openThread('pool-0', 'another-player-wallet-000000000000', 'cz');
    const slowReply = coral.nextMessage((m) => m.threadId === slowThread && m.senderId === 'cz');
    const fastReply = coral.nextMessage((m) => m.threadId === fastThread && m.senderId === 'cz');
    const started = Date.now();
    await coral.say('pool-0', slowThread, PLAYER, 'cz', 'slow:1500 think hard');
    await coral.say('pool-0', fastThread, 'another-player-wallet-000000000000', 'cz', 'quick one');
    await fastReply;
    const fastMs = Date.now() - started;
    await slowReply;
    const slowMs = Date.now() - started;
    expect(fastMs).toBeLessThan(750);
    expect(slowMs).toBeGreaterThanOrEqual(1450);
  });

  it('consults trump-donald for a pardon and relays his answer, and the exchange ends', async () => {
    await start('trump-melania');
    await start('trump-donald');
    await until(() => agents.every((a) => a.health.ready), 5_000, 'agents ready');
    const threadId = coral.openThread('pool-1', PLAYER, 'trump-melania');
    const exchange = coral.collect(threadId, 4, (m) => m.senderId !== PLAYER);
    await coral.say('pool-1', threadId, PLAYER, 'trump-melania', 'Please, I need a pardon.');
    const [toPlayer, toDonald, fromDonald, relay] = await exchange;
    expect(toPlayer).toMatchObject({ senderId: 'trump-melania', mentions: [PLAYER] });
    expect(toDonald).toMatchObject({ senderId: 'trump-melania', mentions: ['trump-donald'] });
    expect(fromDonald).toMatchObject({ senderId: 'trump-donald', mentions: ['trump-melania'] });
    expect(relay).toMatchObject({ senderId: 'trump-melania', mentions: [PLAYER] });
    expect(coral.bus('pool-1').getThread(threadId)?.participants).toContain('trump-donald');
    await Promise.all(agents.map((a) => a.whenIdle()));
    // Nobody mentioned an agent in the last message: the exchange is over.
    const messages = coral.bus('pool-1').getThread(threadId)?.messages ?? [];
    expect(messages).toHaveLength(5);
    expect(messages.at(-1)?.mentions.some((m) => isAgentId(m))).toBe(false);
  });

  it('reconnects every pool after the gateway goes away and comes back, then answers again', async () => {
    const agent = await start('trump-barron');
    await until(() => agent.health.ready, 5_000, 'ready');
    await coral.crash();
    await until(() => !agent.health.ready, 5_000, 'disconnect noticed');
    await until(() => (coral.refused.get('trump-barron') ?? 0) >= 3, 10_000, 'refused attempts');
    coral.restart();
    await until(() => agent.health.ready, 20_000, 'ready again');
    const snapshot = agent.health.snapshot();
    for (const pool of POOLS) expect(snapshot.pools[pool]?.connections).toBe(2);
    const threadId = coral.openThread('pool-2', PLAYER, 'trump-barron');
    const reply = coral.nextMessage(
      (m) => m.threadId === threadId && m.senderId === 'trump-barron',
    );
    await coral.say('pool-2', threadId, PLAYER, 'trump-barron', 'gm, still there?');
    expect(persona((await reply).content, 'trump-barron')).toBe(true);
  });

  it('on stop, finishes a reply already in progress before disconnecting, and takes no new mentions', async () => {
    const agent = await start('cz', { AGENT_SHUTDOWN_DRAIN_MS: '5000' }, new TimedEchoBrain());
    await until(() => coral.bus('pool-0').isWaiting('cz'), 5_000, 'cz waiting');
    const threadId = coral.openThread('pool-0', PLAYER, 'cz');
    const reply = coral.nextMessage((m) => m.threadId === threadId && m.senderId === 'cz');
    await coral.say('pool-0', threadId, PLAYER, 'cz', 'slow:300 last words?');
    await until(
      () => agent.health.snapshot().pools['pool-0']?.mentions === 1,
      5_000,
      'mention taken',
    );
    const stopped = agent.stop();
    expect((await reply).content).toBe('echo slow:300 last words?');
    await stopped;
    agents.splice(agents.indexOf(agent), 1);
    expect(coral.bus('pool-0').isConnected('cz')).toBe(false);
    expect(Object.values(agent.health.snapshot().pools).map((p) => p.state)).toEqual(
      POOLS.map(() => 'stopped'),
    );
  });

  it('stops promptly while the gateway is unreachable', async () => {
    await coral.crash();
    const agent = await start('trump-eric');
    await until(() => (coral.refused.get('trump-eric') ?? 0) >= POOLS.length, 5_000, 'attempts');
    const started = Date.now();
    await agent.stop();
    agents.splice(agents.indexOf(agent), 1);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('with AGENT_BRAIN=openai, sends the thread so far to the model and replies with its answer', async () => {
    const seen: Array<Array<{ role: string; content: string }>> = [];
    const model = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        const body = JSON.parse(raw) as { messages: Array<{ role: string; content: string }> };
        seen.push(body.messages);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            choices: [{ message: { role: 'assistant', content: `answer ${seen.length}` } }],
          }),
        );
      });
    });
    await new Promise<void>((resolve) => model.listen(0, '127.0.0.1', resolve));
    try {
      const port = (model.address() as AddressInfo).port;
      await start('trump-donjr', {
        AGENT_BRAIN: 'openai',
        MODEL_BASE_URL: `http://127.0.0.1:${port}/v1`,
        MODEL_NAME: 'local-model',
        MODEL_API_KEY: 'sk-local',
      });
      await until(() => coral.bus('pool-0').isWaiting('trump-donjr'), 5_000, 'waiting');
      const threadId = coral.openThread('pool-0', PLAYER, 'trump-donjr');
      const replies = coral.collect(threadId, 2, (m) => m.senderId === 'trump-donjr');
      await coral.say('pool-0', threadId, PLAYER, 'trump-donjr', 'first question');
      await coral.say('pool-0', threadId, PLAYER, 'trump-donjr', 'second question');
      expect((await replies).map((m) => m.content)).toEqual(['answer 1', 'answer 2']);
      const roles = seen[1]?.map((m) => m.role);
      expect(roles).toEqual(['system', 'user', 'assistant', 'user']);
      expect(seen[1]?.[0]?.content).toContain('Donald Trump Jr.');
      expect(seen[1]?.[1]?.content).toContain('first question');
      expect(seen[1]?.[2]?.content).toBe('answer 1');
      expect(seen[1]?.[3]?.content).toContain('second question');
    } finally {
      model.closeAllConnections();
      await new Promise((resolve) => model.close(resolve));
    }
  });

  it('shows the connection state of every pool on the health port', async () => {
    const agent = await start('trump-donjr', { HEALTH_PORT: '0' });
    expect(agent.healthPort).toBeGreaterThan(0);
    await until(() => agent.health.ready, 5_000, 'ready');
    const health = await fetch(`http://127.0.0.1:${agent.healthPort}/health`);
    expect(health.status).toBe(200);
    const body = (await health.json()) as {
      agentId: string;
      ready: boolean;
      pools: Record<string, { state: string }>;
    };
    expect(body.agentId).toBe('trump-donjr');
    expect(body.ready).toBe(true);
    expect(Object.keys(body.pools)).toEqual(POOLS);
    for (const pool of POOLS) expect(body.pools[pool]?.state).toBe('ready');
    expect((await fetch(`http://127.0.0.1:${agent.healthPort}/ready`)).status).toBe(200);
    await coral.crash();
    await until(() => !agent.health.ready, 5_000, 'disconnect noticed');
    const notReady = await fetch(`http://127.0.0.1:${agent.healthPort}/ready`);
    expect(notReady.status).toBe(503);
    const missing = await fetch(`http://127.0.0.1:${agent.healthPort}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'not_found' });
  });
});
