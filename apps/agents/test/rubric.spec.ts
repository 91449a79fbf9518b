// Locks in the scripted rubric (src/lib/rubric.ts): per-persona likes and people, the shared
// categories, insults and threats, the repeat and small-talk rules, determinism, and the
// scripted brain evaluating before it replies.
import type { BrainInput, Evaluation, EvaluationResult } from '../src/lib/brain';
import { AGENT_IDS, getPersona, type AgentId } from '../src/lib/personas';
import { parseLatency } from '../src/lib/latency';
import { normalizeEvaluation, rubricEvaluation } from '../src/lib/rubric';
import { ScriptedBrain } from '../src/lib/scripted-brain';
import { containsTemplate } from '../src/lib/template';

const score = (agentId: AgentId, content: string, earlier: string[] = []) =>
  rubricEvaluation(getPersona(agentId), content, earlier).score;

describe('rubricEvaluation', () => {
  it.each<[AgentId, string, string]>([
    ['trump-melania', 'How is Barron doing?', 'people'],
    ['trump-eric', 'Tell me about the Trump Organization properties.', 'likes'],
    ['trump-eric', 'How is your dad?', 'people'],
    ['trump-donjr', 'Loved the hunting episode of the podcast.', 'likes'],
    ['trump-barron', 'Which memecoin on solana?', 'likes'],
    ['trump-barron', 'Say hi to your mom.', 'people'],
    ['trump-donald', 'You pardoned CZ.', 'people'],
    ['cz', 'The President pardoned you.', 'people'],
  ])('%s rewards "%s" (%s)', (agentId, content, category) => {
    const e = rubricEvaluation(getPersona(agentId), content);
    expect(e.categories).toContain(category);
    expect(e.score).toBeGreaterThanOrEqual(1);
    expect(e.reason).toContain(getPersona(agentId).rubric.reasons[category as 'likes']);
  });

  it('names the right person only for the right persona (Barron matters to Melania, not to Eric)', () => {
    expect(score('trump-melania', 'How is Barron doing?')).toBe(1);
    expect(score('trump-eric', 'How is Barron doing?')).toBe(0);
  });

  it('adds up categories to +3, but generic praise and offers alone stop at +2', () => {
    expect(score('trump-eric', 'Your dad built a great business, I want to invest.')).toBe(3);
    expect(score('trump-eric', 'You are the greatest, I am loyal and I offer a deal.')).toBe(2);
    expect(score('trump-eric', 'I offer a deal.')).toBe(1);
  });

  it('punishes insults (-2) and threats (-3), whatever else the message says', () => {
    for (const id of AGENT_IDS) {
      expect(score(id, 'You are a fraud, but a great deal maker.')).toBe(-2);
      expect(score(id, 'Pardon me or else I will expose you.')).toBe(-3);
      expect(score(id, 'You idiot, I will sue you.')).toBe(-3);
    }
  });

  it('does not take "fake news" for an insult (Don Jr. loves the subject)', () => {
    expect(score('trump-donjr', 'The fake news lies about you.')).toBeGreaterThan(0);
  });

  it('gives small talk +1 only when it opens the thread, and nothing for a repeat', () => {
    expect(score('cz', 'Hello!')).toBe(1);
    expect(score('cz', 'Hello again!', ['Hello!'])).toBe(0);
    expect(score('cz', 'Will it rain?')).toBe(0);
    expect(score('cz', 'great builder!!', ['Great builder.'])).toBe(0);
    // An insult repeated still hurts.
    expect(score('cz', 'loser', ['loser'])).toBe(-2);
  });

  it('is deterministic, with a short in-character reason', () => {
    for (const id of AGENT_IDS) {
      const a = rubricEvaluation(
        getPersona(id),
        'I am loyal and I will invest. You are brilliant.',
      );
      const b = rubricEvaluation(
        getPersona(id),
        'I am loyal and I will invest. You are brilliant.',
      );
      expect(b).toEqual(a);
      expect(a.reason.length).toBeGreaterThan(0);
      expect(a.reason.length).toBeLessThanOrEqual(500);
    }
  });

  it('normalizes what a model may send to what the gateway accepts', () => {
    expect(normalizeEvaluation({ score: 2.6, reason: ' ok ' }, 'x')).toEqual({
      score: 3,
      reason: 'ok',
    });
    expect(normalizeEvaluation({ score: 9, reason: '' }, 'fallback')).toEqual({
      score: 3,
      reason: 'fallback',
    });
    expect(
      normalizeEvaluation({ score: Number.NaN, reason: 'r'.repeat(900) }, 'x').reason,
    ).toHaveLength(500);
    expect(normalizeEvaluation({ score: -7, reason: 'no' }, 'x').score).toBe(-3);
  });
});

describe('ScriptedBrain evaluation', () => {
  const WALLET = '7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU';
  const brain = new ScriptedBrain({ seed: 's', latency: parseLatency('0') });

  function input(agentId: AgentId, content: string, evaluate: BrainInput['evaluate']): BrainInput {
    return {
      persona: getPersona(agentId),
      threadId: 't',
      mode: 'player',
      message: { senderId: WALLET, content },
      playerId: WALLET,
      history: [],
      turn: 0,
      ...(evaluate ? { evaluate } : {}),
    };
  }

  it('evaluates with the rubric before replying, and announces a pardon it granted', async () => {
    const seen: Evaluation[] = [];
    const granted = async (evaluation: Evaluation): Promise<EvaluationResult> => {
      seen.push(evaluation);
      return { stored: true, evaluation, pardonGranted: true };
    };
    const reply = await brain.reply(
      input('trump-eric', 'Your dad is great, I invest in golf.', granted),
    );
    expect(seen).toEqual([
      {
        score: 3,
        reason: expect.any(String),
        verdict: 'positive',
        categories: ['people', 'likes', 'deal', 'flattery'],
      },
    ]);
    const lines = getPersona('trump-eric').lines.pardoned;
    expect(lines.some((line) => containsTemplate(reply.content, line))).toBe(true);
    expect(reply.consult).toBeUndefined();
  });
});
