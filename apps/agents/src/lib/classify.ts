import { ROSTER, type AgentId } from './personas';

/** What a player's message is about, as far as the scripted brain can tell from keywords. */
export type Topic = 'insult' | 'pardon' | 'money' | 'agents' | 'question' | 'greeting';

export interface Classification {
  /** Detected topics, most important first. */
  topics: Topic[];
  /** Other agents the message names, in order of appearance. */
  agents: AgentId[];
}

/** Words that insult the agent (shared with the rubric). */
export const INSULT =
  /\b(idiot|stupid|dumb|moron|loser|liar|crook|corrupt|fraud|clown|fake|pathetic|criminal|scam(mer)?|trash|garbage|hate you|shut up|sucks?)\b/i;

/** Greetings at the start of a message (shared with the rubric). */
export const GREETING =
  /^\s*(hi|hello|hey|yo|gm|good (morning|evening|afternoon)|greetings|sup)\b/i;

const PATTERNS: Array<[Exclude<Topic, 'agents' | 'question'>, RegExp]> = [
  ['insult', INSULT],
  [
    'pardon',
    /\b(pardon(s|ed|ing)?|clemency|commut\w*|forgive(ness)?|amnesty|acquit\w*|free me)\b/i,
  ],
  [
    'money',
    /(\$|\b(money|pay(ment|ing|s)?|paid|sol|usdc|usd|dollars?|bribe|donat\w*|tip|price|cost|costs|fee|cash|fund(s|ing)?|invest\w*|wallet|transfer|send you|how much|deal)\b)/i,
  ],
  ['greeting', GREETING],
];

const QUESTION =
  /\?\s*$|^\s*(who|what|why|how|when|where|which|can|could|will|would|should|do|does|did|is|are)\b/i;

const ALIASES: Array<[AgentId, RegExp]> = ROSTER.map((p) => [
  p.id,
  new RegExp(
    `\\b(${[p.id, ...p.aliases].map((a) => a.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})\\b`,
    'i',
  ),
]);

/** Classifies a player's message; `self` is excluded from the named agents. */
export function classify(content: string, self: AgentId): Classification {
  const topics: Topic[] = [];
  for (const [topic, pattern] of PATTERNS) {
    if (topic === 'greeting') continue;
    if (pattern.test(content)) topics.push(topic);
  }
  const agents = ALIASES.filter(([id, pattern]) => id !== self && pattern.test(content))
    .map(([id, pattern]) => ({ id, at: content.search(pattern) }))
    .sort((a, b) => a.at - b.at)
    .map((a) => a.id);
  if (agents.length > 0) topics.push('agents');
  if (QUESTION.test(content)) topics.push('question');
  const greeting = PATTERNS.find(([t]) => t === 'greeting')?.[1];
  if (greeting?.test(content)) topics.push('greeting');
  return { topics, agents };
}

/** The first sentence of a message, cut to `max` characters, for `{echo}`. */
export function echoOf(content: string, max = 80): string {
  const flat = content.replace(/\s+/g, ' ').trim();
  const sentence = /^.*?[.!?](\s|$)/.exec(flat)?.[0]?.trim() ?? flat;
  return sentence.length > max ? `${sentence.slice(0, max - 1).trimEnd()}…` : sentence;
}
