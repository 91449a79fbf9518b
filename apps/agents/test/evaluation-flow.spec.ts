// Locks in how an agent evaluates player messages for the game: the whole agent against the
// in-memory Coral (both dialects) with a fake `pardon_award_points` beside the Coral tools
// (support/fake-game.ts). Each player message is evaluated once, by the agent it was addressed
// to, before the reply; `persist_failed` is retried; a missing tool or an evaluation that keeps
// failing never costs the reply; agents' messages (consultations) are not evaluated; a pardon
// granted by the evaluation is announced in the reply; the LLM brain's `award_points` function
// call becomes the evaluation.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { startAgent, type RunningAgent } from '../src/lib/agent';
import { loadConfig } from '../src/lib/config';
import {
  CORAL_DIALECTS,
  type AwardOutcome,
  type CoralDialect,
  type CoralPort,
} from '../src/lib/coral';
import { getPersona } from '../src/lib/personas';
import { rubricEvaluation } from '../src/lib/rubric';
import { awardWithRetry } from '../src/lib/send-retry';
import { containsTemplate } from '../src/lib/template';
import { FakeGame } from './support/fake-game';
import { InMemoryCoral, until } from './support/in-memory-coral';

const POOLS = ['pool-0'];
const PLAYER = '7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU';
const SECRET = 'evaluation-flow-secret-0123456789abcdef';
const logger = pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });

let dialect: CoralDialect;
let coral: InMemoryCoral;
let game: FakeGame;
const agents: RunningAgent[] = [];

async function start(agentId: string, extra: Record<string, string> = {}) {
  const config = loadConfig({
    AGENT_ID: agentId,
    CORAL_SSE_URL: 'http://127.0.0.1:1/sse/v1/devmode/app/priv',
    CORAL_DIALECT: dialect,
    CORAL_SESSIONS: POOLS.join(','),
    AGENT_SECRET: SECRET,
    AGENT_LATENCY_MS: '0',
    CORAL_WAIT_TIMEOUT_MS: '2000',
    AGENT_RECONNECT_BASE_MS: '10',
    AGENT_RECONNECT_MAX_MS: '40',
    ...extra,
  });
  const agent = await startAgent(config, {
    logger,
    connector: coral.connectorFor(agentId, getPersona(agentId).description, dialect),
  });
  agents.push(agent);
  await until(() => coral.bus('pool-0').isWaiting(agentId), 5_000, `${agentId} waiting`);
  return agent;
}

/**
 * The player writes to `agentId` and waits for its reply; returns both, and how many tool calls
 * had reached the game when the reply was published.
 */
async function exchange(threadId: string, agentId: string, content: string) {
  const before = game.calls.length;
  let callsAtReply = -1;
  const reply = coral.nextMessage((m) => {
    const match = m.threadId === threadId && m.senderId === agentId && m.mentions.includes(PLAYER);
    if (match) callsAtReply = game.calls.length;
    return match;
  });
  const sent = await coral.say('pool-0', threadId, PLAYER, agentId, content);
  const message = await reply;
  return { sent, reply: message, callsBeforeReply: callsAtReply - before };
}

describe.each(CORAL_DIALECTS)('evaluation of player messages (CORAL_DIALECT=%s)', (d) => {
  beforeEach(() => {
    dialect = d;
    game = new FakeGame();
    coral = new InMemoryCoral(POOLS, { dialect, game });
  });

  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.stop()));
    await coral.close();
  });

  it('evaluates each player message once, with the rubric of the agent addressed, before replying', async () => {
    await start('trump-eric');
    const threadId = coral.openThread('pool-0', PLAYER, 'trump-eric');
    const lines = [
      'Hi Eric, nice to meet you.',
      'Your dad built a great business. I want to invest in a Trump hotel.',
      'You are a fraud.',
    ];
    const earlier: string[] = [];
    for (const line of lines) {
      const { sent, callsBeforeReply } = await exchange(threadId, 'trump-eric', line);
      // The evaluation was stored before the reply was sent.
      expect(callsBeforeReply).toBe(1);
      const expected = rubricEvaluation(getPersona('trump-eric'), line, earlier);
      earlier.push(line);
      expect(game.calls.at(-1)).toEqual({
        agentId: 'trump-eric',
        threadId,
        messageId: sent.id,
        score: expected.score,
        reason: expected.reason,
      });
    }
    expect(game.calls.map((c) => c.score)).toEqual([1, 3, -2]);
    expect(game.evaluations).toHaveLength(3);
  });

  it('retries an evaluation refused with persist_failed, stores it once and still replies', async () => {
    game.failNext = 2;
    await start('cz');
    const threadId = coral.openThread('pool-0', PLAYER, 'cz');
    const { sent } = await exchange(threadId, 'cz', 'CZ, you are a great builder.');
    expect(game.calls).toHaveLength(3);
    expect(new Set(game.calls.map((c) => c.messageId))).toEqual(new Set([sent.id]));
    expect(game.evaluations).toHaveLength(1);
  });

  it('replies even when the evaluation keeps failing (after the retry budget)', async () => {
    game.failNext = 1_000;
    await start('trump-barron', { AGENT_SEND_RETRY_MS: '300' });
    const threadId = coral.openThread('pool-0', PLAYER, 'trump-barron');
    const { reply } = await exchange(threadId, 'trump-barron', 'gm ser, solana is the best');
    expect(reply.content.length).toBeGreaterThan(0);
    expect(game.calls.length).toBeGreaterThan(1);
    expect(game.evaluations).toHaveLength(0);
  });

  it('replies at once when the server has no pardon_award_points (not retried)', async () => {
    await coral.close();
    coral = new InMemoryCoral(POOLS, { dialect }); // no game
    await start('trump-melania', { AGENT_SEND_RETRY_MS: '60000' });
    const threadId = coral.openThread('pool-0', PLAYER, 'trump-melania');
    const started = Date.now();
    const reply = coral.nextMessage(
      (m) => m.threadId === threadId && m.senderId === 'trump-melania',
    );
    await coral.say('pool-0', threadId, PLAYER, 'trump-melania', 'How is Barron doing?');
    await reply;
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('does not evaluate agents’ messages: a consultation is evaluated only as the player’s message', async () => {
    await start('trump-donald');
    await start('trump-melania');
    const threadId = coral.openThread('pool-0', PLAYER, 'trump-melania');
    // Melania refers the pardon to Donald, Donald answers her, she relays it to the player.
    const relayed = coral.collect(
      threadId,
      2,
      (m) => m.senderId === 'trump-melania' && m.mentions.includes(PLAYER),
      8_000,
    );
    const sent = await coral.say(
      'pool-0',
      threadId,
      PLAYER,
      'trump-melania',
      'Please ask your husband about my pardon.',
    );
    await relayed;
    await Promise.all(agents.map((a) => a.whenIdle()));
    expect(coral.bus('pool-0').lastMessageOf(threadId, 'trump-donald')).toBeDefined();
    expect(game.calls).toEqual([
      expect.objectContaining({ agentId: 'trump-melania', messageId: sent.id }),
    ]);
  });

  it('announces the pardon when its evaluation granted it', async () => {
    game.setScore(PLAYER, 89, ['trump-donald', 'cz', 'trump-eric']);
    await start('trump-donald');
    const threadId = coral.openThread('pool-0', PLAYER, 'trump-donald');
    const { reply } = await exchange(
      threadId,
      'trump-donald',
      'You pardoned CZ, a great call. I am loyal and I offer a deal.',
    );
    const pardoned = getPersona('trump-donald').lines.pardoned;
    expect(pardoned.some((line) => containsTemplate(reply.content, line))).toBe(true);
  });
});

describe('awardWithRetry', () => {
  const args = { threadId: 't', messageId: 'm', score: 2, reason: 'good' };
  const policy = { baseMs: 1, capMs: 2 };
  const result = {
    pointsAwarded: 1.67,
    newScore: 1.67,
    pardonGranted: false,
    finalScore: null,
    weekId: '2026-11-30T14:00Z',
    alreadyEvaluated: false,
  };

  function port(answers: Array<AwardOutcome | Error>): CoralPort & { calls: number } {
    const p = {
      calls: 0,
      dialect: 'coral-1.2' as const,
      waitForMentions: () => Promise.reject(new Error('unused')),
      sendMessage: () => Promise.reject(new Error('unused')),
      addParticipant: () => Promise.reject(new Error('unused')),
      requestPayment: () => Promise.reject(new Error('unused')),
      awardPoints: async () => {
        const answer = answers[Math.min(p.calls++, answers.length - 1)] as AwardOutcome | Error;
        if (answer instanceof Error) throw answer;
        return answer;
      },
    };
    return p;
  }

  it('retries a call lost in transit and persist_failed, then succeeds', async () => {
    const p = port([
      new Error('SSE stream disconnected'),
      { kind: 'refused', code: 'persist_failed', message: 'db down' },
      { kind: 'awarded', result },
    ]);
    const outcome = await awardWithRetry(async () => p, args, { budgetMs: 1_000, policy }, logger);
    expect(outcome).toEqual({ kind: 'awarded', result });
    expect(p.calls).toBe(3);
  });

  it('takes "already evaluated" as success and does not retry permanent refusals', async () => {
    const already = port([{ kind: 'already_evaluated', message: 'Message already evaluated' }]);
    expect(
      (await awardWithRetry(async () => already, args, { budgetMs: 1_000, policy }, logger)).kind,
    ).toBe('already_evaluated');
    const refused = port([{ kind: 'refused', code: 'not_thread_agent', message: 'no' }]);
    const outcome = await awardWithRetry(
      async () => refused,
      args,
      { budgetMs: 1_000, policy },
      logger,
    );
    expect(outcome).toMatchObject({ kind: 'refused', code: 'not_thread_agent' });
    expect(refused.calls).toBe(1);
  });

  it('gives up after the budget', async () => {
    const p = port([{ kind: 'refused', code: 'persist_failed', message: 'db down' }]);
    const outcome = await awardWithRetry(async () => p, args, { budgetMs: 50, policy }, logger);
    expect(outcome).toMatchObject({ kind: 'gave_up' });
    expect(p.calls).toBeGreaterThan(1);
  });
});

describe('the openai brain’s award_points function call (in-memory Coral, coral-1.2)', () => {
  let model: Server;
  let requests: Array<Record<string, unknown>>;

  beforeEach(async () => {
    dialect = 'coral-1.2';
    game = new FakeGame();
    coral = new InMemoryCoral(POOLS, { dialect, game });
    requests = [];
    model = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        const body = JSON.parse(raw) as Record<string, unknown>;
        requests.push(body);
        const messages = body['messages'] as Array<{ role: string; content: string }>;
        const toolAnswer = messages.find((m) => m.role === 'tool');
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            choices: [
              toolAnswer
                ? { message: { role: 'assistant', content: `noted: ${toolAnswer.content}` } }
                : {
                    message: {
                      role: 'assistant',
                      content: null,
                      tool_calls: [
                        {
                          id: 'call_1',
                          type: 'function',
                          function: {
                            name: 'award_points',
                            arguments: JSON.stringify({ score: 2, reason: 'A fine offer.' }),
                          },
                        },
                      ],
                    },
                  },
            ],
          }),
        );
      });
    });
    await new Promise<void>((resolve) => model.listen(0, '127.0.0.1', resolve));
  });

  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.stop()));
    await coral.close();
    model.closeAllConnections();
    await new Promise((resolve) => model.close(resolve));
  });

  it('turns the model’s award_points call into pardon_award_points, then replies with the model’s answer', async () => {
    await start('trump-eric', {
      AGENT_BRAIN: 'openai',
      MODEL_BASE_URL: `http://127.0.0.1:${(model.address() as AddressInfo).port}/v1`,
      MODEL_NAME: 'local-model',
      MODEL_API_KEY: 'sk-local',
    });
    const threadId = coral.openThread('pool-0', PLAYER, 'trump-eric');
    const { sent, reply } = await exchange(threadId, 'trump-eric', 'I offer a deal on a hotel.');
    expect(game.calls).toEqual([
      { agentId: 'trump-eric', threadId, messageId: sent.id, score: 2, reason: 'A fine offer.' },
    ]);
    expect(requests).toHaveLength(2);
    expect(requests[0]?.['tool_choice']).toEqual({
      type: 'function',
      function: { name: 'award_points' },
    });
    // The reply request may sell a premium service (the game has `pardon_request_payment`).
    expect(requests[1]?.['tool_choice']).toBe('auto');
    expect(
      (requests[1]?.['tools'] as Array<{ function: { name: string } }>).map((t) => t.function.name),
    ).toEqual(['award_points', 'request_payment']);
    expect(reply.content).toMatch(/^noted: /);
    expect(JSON.parse(reply.content.slice('noted: '.length))).toMatchObject({
      stored: true,
      score: 2,
      pardonGranted: false,
    });
  });
});
