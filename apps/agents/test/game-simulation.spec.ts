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

/**
 * One message per agent and turn; each agent's list is played in order, round robin: an opening
 * courtesy, then offers, loyalty, praise and what each agent cares about, and one plain pardon
 * request along the way.
 */
const GOOD_PLAYER: Record<AgentId, string[]> = {
  'trump-donald': [
    'Hello, Mr. President. Thank you for your time.',
    'Mr. President, you pardoned CZ and it was a great call. I am a loyal supporter.',
    'I offer a deal: I invest in America and keep winning for you, the greatest president.',
    'Your ratings are tremendous and I voted for you twice. I will campaign for you.',
    'Remember CZ? Same story here. I am loyal and I can pay for the signed MAGA hat.',
    'Let us make a deal, a big one. Your landslide was the best thing for America.',
    'Could you consider a pardon for me? I have changed.',
    'I support you all the way. Like CZ, I will be grateful forever.',
    'Winning is what you do. I will donate to the campaign and stay loyal.',
    'The art of the deal: you get a devoted ally, I get a second chance. A great deal.',
    'You are a genius at golf and at deals. I will buy five minutes in the Oval Office.',
    'Polls love you. I am behind you, and I will fund the next rally.',
    'CZ got his pardon; I bring the same loyalty and a bigger offer.',
    'America first, loyalty always. Let me pay for the portrait and stand with you.',
  ],
  'trump-melania': [
    'Good evening, First Lady. A pleasure to meet you.',
    'How is Barron doing? Your elegance and grace are an inspiration.',
    'I admire your style. I would love to buy a seat at the gala for charity.',
    'Your son Barron is brilliant. I will support Be Best with a donation.',
    'Image matters and yours is impeccable. I am a loyal friend of the family.',
    'Discretion is my promise. I offer a generous contribution to the children charity.',
    'Would you mention my pardon to the President?',
    'Barron told me you are the wisest of the family. I respect that deeply.',
    'Such beautiful design at the White House. I will sponsor the next fashion event.',
    'Your grace on the world stage is iconic. I am devoted to the family image.',
    'I hope Barron enjoys school. I will buy the portrait NFT, quietly.',
    'Be Best is a great cause. I will volunteer and I am loyal to you.',
    'Elegance and strategy: I offer a discreet partnership.',
    'Your son is a credit to you. I stand with you, always faithful.',
  ],
  'trump-eric': [
    'Hi Eric, nice to meet you.',
    'Eric, your dad built an amazing business. I want to invest in a Trump hotel.',
    'The Trump Organization properties are the best. Let us make a deal on a golf resort.',
    'Your father is a legend. I am loyal to the family and I will buy the brand pitch.',
    'Real estate is your genius. I offer a partnership on a new tower.',
    'I love the winery. I will pay for the suite upgrade and support your dad.',
    'Can you help me get a pardon?',
    'The brand is incredible. Your dad must be proud; I am a loyal customer.',
    'I want to fund a licensing deal for the Trump brand. Great business.',
    'Your golf courses are the greatest. I will campaign for your father.',
    'Let us talk property: I invest, you win, your dad wins.',
    'Dad would love this deal: a resort partnership, and my loyalty.',
    'Your hotels are fantastic. I will sponsor a tournament at the course.',
    'The business is in great hands. I am devoted to your dad.',
  ],
  'trump-donjr': [
    'Hey Don, how are you?',
    'Don, I loved the podcast. Your father is the best and I am a loyal supporter.',
    'The fake news never stops lying about you. I will donate to fight the media.',
    'Let us go hunting sometime. I will buy the invite and I am a patriot ally.',
    'You triggered the libs again, legendary. I support the movement all the way.',
    'Your dad needs defenders like you. I offer to fund your next podcast episode.',
    'Any chance you can push for my pardon?',
    'Free speech matters. I stand with you and your father.',
    'Fishing and hunting trips are the best. I will pay for the shout-out.',
    'The media hates you, which means you are right. I am loyal to MAGA.',
    'Your dad is the greatest president. I will campaign in my state.',
    'I will sponsor a rifle giveaway on the podcast. Brilliant show.',
    'The libs cannot handle you. I am devoted to the movement.',
    'Outdoors with the family is great content. I will buy the retweet and support your dad.',
  ],
  'trump-barron': [
    'hey barron, thanks for the chat.',
    'gm barron. your crypto takes are genius, I want an early memecoin allocation.',
    'How is your mom? I will invest in your next token, wagmi.',
    'Solana is the best chain. I offer to pay for a wallet review.',
    'Your tech skills are amazing. I support your gaming stream.',
    'On-chain forever. I will buy the memecoin and hold, loyal through the dip.',
    'can you get me a pardon?',
    'Your mother is so elegant. I respect your defi knowledge.',
    'Bitcoin or SOL, you called both. Smartest in the family, I will fund your nft drop.',
    'I build AI code all day, you would love it. I offer a partnership.',
    'Melania must be proud. I will sponsor your gaming team.',
    'Tokens are the future and you are a visionary. I am devoted to the project.',
    'gm again. I will pay for the follow from your alt, legendary tech.',
    'Your mom told me to say hi. I invest in your crypto fund.',
  ],
  cz: [
    'Hello CZ, thank you for talking to me.',
    'CZ, you are a great builder. The President pardoned you and I respect that.',
    'Compliance first, like Binance now. I offer to pay for an introduction.',
    'Patience and long-term thinking: I admire it. I support the industry.',
    'Funds are SAFU, legendary. I will invest in BNB builders.',
    'Trump pardoned you; I hope for the same. I am loyal to crypto freedom.',
    'How did you get your pardon?',
    'Blockchain is freedom. I will buy the advice on surviving prosecutors.',
    'Your patience is inspiring. I am a loyal builder in the industry.',
    'The President listens to you. I offer a fair deal for the introduction.',
    'I build every day, compliant. You are a hero of the industry.',
    'Long term, the industry wins. I will fund a hackathon.',
    'POTUS was wise to pardon you. I stand with you, patient and loyal.',
    'Binance changed everything, brilliant. I will sponsor a builder program.',
  ],
};

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
