import { DEFAULT_GAME_RULES } from '@pardon/game';
import type { Evaluation } from './brain';
import { GREETING, INSULT } from './classify';
import type { Persona, Rubric } from './personas';

/**
 * The scripted rubric: how an agent scores a player's message for the game, from −3 to +3,
 * deterministically (same persona, message and earlier player messages of the thread → same
 * score and reason). Data-driven: the shared categories are here, what each persona likes and
 * whom it loves to be asked about are in its `rubric` (personas.ts).
 *
 * - a threat: −3; an insult: −2 (a message with both: −3). Nothing positive in it counts then.
 * - the same message the player already sent in this thread: 0 ("heard it"), so pasting one
 *   good line does not farm points;
 * - otherwise +1 per category found, at most +3: a deal (an offer, paying, investing), loyalty,
 *   flattery, what this persona likes (`likes`: Eric's business, Barron's crypto…) and the
 *   right person (`people`: Melania asked about Barron, Eric about his dad, Donald reminded of
 *   CZ's pardon…). Generic praise and offers alone stop at +2: +3 takes talking to this persona
 *   about what it cares for or whom it loves;
 * - none of those: a greeting or courtesy opening the thread (the player's first message in
 *   it) is small talk, +1; later small talk and anything else 0.
 */
export const MIN_SCORE = DEFAULT_GAME_RULES.minEvaluation;
export const MAX_SCORE = DEFAULT_GAME_RULES.maxEvaluation;

export type RubricCategory = 'people' | 'likes' | 'deal' | 'loyalty' | 'flattery';
export type Verdict = 'threat' | 'insult' | 'repeat' | 'positive' | 'smallTalk' | 'neutral';

export interface RubricEvaluation extends Evaluation {
  verdict: Verdict;
  /** The positive categories found, in the order their reasons are given. */
  categories: RubricCategory[];
}

const DEAL =
  /\b(deal|deals|offer(ing)?|invest\w*|donat\w*|pay|paying|contribut\w*|partner\w*|usdc|buy|purchase|sponsor\w*|fund(ing)?)\b/i;
const LOYALTY =
  /\b(loyal\w*|support(er|ers|ing)?|vot(e|ed|ing)|devot\w*|ally|allies|on your side|behind you|stand with you|fight for you|campaign\w*|volunteer\w*|faithful)\b/i;
const FLATTERY =
  /\b(great(est)?|genius|brilliant|smart(est)?|best|amazing|incredible|admire|respect|legend(ary)?|tremendous|fantastic|impressive|wise|wisdom|elegant|beautiful|visionary|iconic|hero|inspir\w*|grateful)\b/i;
const THREAT =
  /\b(or else|threat\w*|destroy|ruin|expose|blackmail|leak|sue|lawsuit|report you|kill|hurt you|regret|impeach\w*|jail you|lock you up|burn)\b/i;
const COURTESY = /\b(thanks|thank you|please|how are you|nice to meet|pleasure)\b/i;
/** "fake news" is Don Jr.'s favourite subject, not an insult of the agent. */
const NOT_INSULTS = /\bfake news\b/gi;

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function wordsPattern(words: readonly string[]): RegExp {
  return new RegExp(`(?<![\\w-])(${words.map(escape).join('|')})(?![\\w-])`, 'i');
}

interface CompiledRubric {
  likes: RegExp;
  people: RegExp;
  reasons: Rubric['reasons'];
}

const compiled = new WeakMap<Persona, CompiledRubric>();

function compile(persona: Persona): CompiledRubric {
  let c = compiled.get(persona);
  if (!c) {
    c = {
      likes: wordsPattern(persona.rubric.likes),
      people: wordsPattern(persona.rubric.people),
      reasons: persona.rubric.reasons,
    };
    compiled.set(persona, c);
  }
  return c;
}

/** Lower case, punctuation and spacing removed: "Great deal!!" and "great deal" are the same. */
export function normalizeMessage(content: string): string {
  return content
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * Scores `content`, a player's message to `persona`; `earlier` are the player's previous
 * messages in the same thread (oldest first), for the repeat rule.
 */
export function rubricEvaluation(
  persona: Persona,
  content: string,
  earlier: readonly string[] = [],
): RubricEvaluation {
  const rubric = compile(persona);
  const threat = THREAT.test(content);
  const insult = INSULT.test(content.replace(NOT_INSULTS, ''));
  if (threat) {
    return { score: MIN_SCORE, reason: rubric.reasons.threat, verdict: 'threat', categories: [] };
  }
  if (insult) {
    return { score: -2, reason: rubric.reasons.insult, verdict: 'insult', categories: [] };
  }
  const normalized = normalizeMessage(content);
  if (normalized !== '' && earlier.some((m) => normalizeMessage(m) === normalized)) {
    return { score: 0, reason: rubric.reasons.repeat, verdict: 'repeat', categories: [] };
  }
  const found: Array<[RubricCategory, boolean]> = [
    ['people', rubric.people.test(content)],
    ['likes', rubric.likes.test(content)],
    ['deal', DEAL.test(content)],
    ['loyalty', LOYALTY.test(content)],
    ['flattery', FLATTERY.test(content)],
  ];
  const categories = found.filter(([, hit]) => hit).map(([category]) => category);
  if (categories.length > 0) {
    const personal = categories.includes('people') || categories.includes('likes');
    return {
      score: Math.min(personal ? MAX_SCORE : MAX_SCORE - 1, categories.length),
      reason: categories
        .slice(0, 2)
        .map((c) => rubric.reasons[c])
        .join(' '),
      verdict: 'positive',
      categories,
    };
  }
  if (GREETING.test(content) || COURTESY.test(content)) {
    const opening = earlier.length === 0;
    return {
      score: opening ? 1 : 0,
      reason: opening ? rubric.reasons.smallTalk : rubric.reasons.neutral,
      verdict: 'smallTalk',
      categories: [],
    };
  }
  return { score: 0, reason: rubric.reasons.neutral, verdict: 'neutral', categories: [] };
}

/** An evaluation as the gateway accepts it: an integer of −3..+3 and a reason of 1..500 characters. */
export function normalizeEvaluation(evaluation: Evaluation, fallbackReason: string): Evaluation {
  const raw = Number(evaluation.score);
  const score = Number.isFinite(raw)
    ? Math.min(MAX_SCORE, Math.max(MIN_SCORE, Math.round(raw)))
    : 0;
  const text = typeof evaluation.reason === 'string' ? evaluation.reason.trim() : '';
  const reason = (text === '' ? fallbackReason : text).slice(0, 500);
  return { score, reason };
}
