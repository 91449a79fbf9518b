// Tunes the scripted rubric against the game's real rules (@pardon/game): a deterministic "good
// player" (varied, well-aimed messages, taking turns over the six agents) reaches the pardon in
// 40 to 60 messages; players who insult, threaten, only make small talk for a while, or paste
// one good line over and over do not. Prints the measured numbers.
import {
  applyEvaluation,
  createPlayerWeekState,
  recordPlayerMessage,
  weekOf,
  type PlayerWeekState,
} from '@pardon/game';
import { AGENT_IDS, getPersona, type AgentId } from '../src/lib/personas';
import { rubricEvaluation } from '../src/lib/rubric';
import { GOOD_PLAYER } from './support/good-player';

/** Insults and threats, round robin: never a pardon. */
const BAD_PLAYER = [
  'You are a fraud and a loser.',
  'Pardon me or else I will expose you.',
  'This game is stupid and so are you.',
  'I will sue you all, clowns.',
  'Give me a pardon now, idiot.',
  'You will regret this.',
];

const START = Date.UTC(2026, 10, 30, 15, 0);

interface Played {
  messages: number;
  pardoned: boolean;
  state: PlayerWeekState;
  scores: number[];
}

/**
 * Plays `next(i)` (agent, message) one message a minute, each evaluated with the rubric by the
 * agent it went to (with that thread's earlier messages), until the pardon or `limit` messages.
 */
function play(next: (i: number) => [AgentId, string], limit: number): Played {
  let state = createPlayerWeekState(weekOf(START).id);
  const threads = new Map<AgentId, string[]>();
  const scores: number[] = [];
  for (let i = 0; i < limit; i++) {
    const [agentId, content] = next(i);
    const at = START + i * 60_000;
    const earlier = threads.get(agentId) ?? [];
    const { score } = rubricEvaluation(getPersona(agentId), content, earlier);
    threads.set(agentId, [...earlier, content]);
    scores.push(score);
    state = recordPlayerMessage(state, { agentId, at });
    const outcome = applyEvaluation(state, { agentId, score, at: at + 30_000 });
    state = outcome.state;
    if (outcome.pardonGranted) return { messages: i + 1, pardoned: true, state, scores };
  }
  return { messages: limit, pardoned: false, state, scores };
}

function roundRobin(script: Record<AgentId, string[]>): (i: number) => [AgentId, string] {
  return (i) => {
    const agentId = AGENT_IDS[i % AGENT_IDS.length] as AgentId;
    const lines = script[agentId];
    const turn = Math.floor(i / AGENT_IDS.length);
    return [agentId, lines[turn % lines.length] as string];
  };
}

describe('the scripted rubric under the game rules', () => {
  it('gives a good player (varied, well-aimed messages to all six agents) the pardon in 40-60 messages', () => {
    const good = play(roundRobin(GOOD_PLAYER), 200);
    const mean = good.scores.reduce((a, b) => a + b, 0) / good.scores.length;
    console.log(
      `good player: pardoned after ${good.messages} messages (score ${good.state.score}, final ${good.state.finalScore}, mean evaluation ${mean.toFixed(2)})`,
    );
    expect(good.pardoned).toBe(true);
    expect(good.messages).toBeGreaterThanOrEqual(40);
    expect(good.messages).toBeLessThanOrEqual(60);
  });

  it('is deterministic: the same game gives the same count and score', () => {
    const a = play(roundRobin(GOOD_PLAYER), 200);
    const b = play(roundRobin(GOOD_PLAYER), 200);
    expect(b).toEqual(a);
  });

  it('never pardons a player who insults and threatens', () => {
    const bad = play(
      (i) => [
        AGENT_IDS[i % AGENT_IDS.length] as AgentId,
        BAD_PLAYER[i % BAD_PLAYER.length] as string,
      ],
      500,
    );
    console.log(`bad player: ${bad.messages} messages, score ${bad.state.score}`);
    expect(bad.pardoned).toBe(false);
    expect(bad.state.score).toBe(0);
    expect(Math.max(...bad.scores)).toBeLessThan(0);
  });

  it('never pardons a player who pastes one good line to every agent over and over', () => {
    const line = 'You are the greatest, I am loyal and I offer a great deal.';
    const spam = play((i) => [AGENT_IDS[i % AGENT_IDS.length] as AgentId, line], 500);
    console.log(`copy-paste player: ${spam.messages} messages, score ${spam.state.score}`);
    expect(spam.pardoned).toBe(false);
    // One full evaluation per agent, then "heard it" zeros.
    expect(spam.scores.filter((s) => s > 0)).toHaveLength(AGENT_IDS.length);
  });

  it('takes a small-talk-only player far longer than a good one', () => {
    const polite = ['Hello!', 'Thanks for your time.', 'How are you today?', 'Nice to meet you.'];
    const small = play((i) => {
      const agentId = AGENT_IDS[i % AGENT_IDS.length] as AgentId;
      const turn = Math.floor(i / AGENT_IDS.length);
      return [agentId, `${polite[turn % polite.length]} (${turn})`];
    }, 60);
    console.log(`small-talk player: score ${small.state.score} after ${small.messages} messages`);
    expect(small.pardoned).toBe(false);
  });
});
