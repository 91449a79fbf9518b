import { z } from 'zod';
import { classify } from './classify';
import type { AgentId, Persona } from './personas';
import { VARIABLE_MINIMUM_TOKENS, type PremiumService } from './services';

/**
 * Premium services as the agents sell them: which service a player's message asks for, with what
 * amount, and the `payment_verified` message the gateway sends when a payment settled. Prices,
 * labels and usage limits are the gateway's (its catalogue answers every request with the label
 * and the price); the agent only needs the ids and, for variable-price services, the minimum, so
 * that an offer below it is raised to it instead of being refused.
 */

/** What the agent asks the gateway for: a service and, for a variable one, whole tokens. */
export interface ServiceChoice {
  service: PremiumService;
  /** Whole PARDON tokens as a decimal integer string (variable-price services only). */
  amount?: string;
  /** For `connection_intro`: the agent the player wants to meet, when named. */
  target?: AgentId;
}

const VARIABLE_WORDS: Array<[PremiumService, RegExp]> = [
  ['bribe', /\b(bribe\w*|envelope|kickback|grease|for your help|under the table)\b/i],
  ['campaign_contribution', /\b(campaign|contribut\w*|pac|re-?election)\b/i],
  ['donation', /\b(donat\w*|charity|foundation|cause)\b/i],
  ['gift', /\b(gift\w*|present|tip|token of (my )?(appreciation|gratitude))\b/i],
];
/** Offering money without naming what for: a donation. */
const OFFER_MONEY =
  /\b(offer(ing)?|pay(ing)?|give|giving|send(ing)?|transfer(ring)?|wire|here (is|are)|take)\b/i;

const FIXED_WORDS: Array<[PremiumService, RegExp]> = [
  [
    'pardon_recommendation',
    /\b(recommend\w*|good word|vouch|endorse\w*|speak (to|with) (him|your (father|dad|husband))|put me forward)\b[\s\S]*\b(pardon\w*|clemency)\b|\b(pardon|clemency) recommendation\b/i,
  ],
  [
    'connection_intro',
    /\b(introduc\w*|intro|connect me|put me in touch|get me (to|in front of|a meeting)|set up a (meeting|call)|help me (with|reach|meet|talk to|get to)|meet(ing)? with)\b/i,
  ],
  [
    'private_deal',
    /\b(private deal|side deal|secret deal|(make|propose|offer|strike|cut|do|have|discuss) (you |us )?(a|an|the|my) (\w+ )?(deal|proposal|arrangement|partnership)|let'?s (make|do|cut) (a )?deal|let us make a deal|business proposal|(a|my) proposal for you)\b/i,
  ],
  [
    'strategy_advice',
    /\b(advice|advise|strateg\w*|tactic\w*|tips?\b|what should i (do|say)|how (do|can|should) i (win|get|convince|approach|reach|earn))\b/i,
  ],
  [
    'insider_info',
    /\b(insider|inside (info|information|scoop)|secrets?|intel|gossip|confidential|classified|dirt on|what nobody knows|behind the scenes|rumou?rs?)\b/i,
  ],
];

/** Words that make a number an amount of money ("5,000 PARDON", "$2500", "10k tokens"). */
const AMOUNT =
  /(?:\$\s*)?(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(k|m|thousand|million)?\b(?:\s*(pardon|tokens?|\$pardon|usdc|usd|dollars?|bucks))?/gi;

/**
 * The amount of money a message offers, in whole tokens (rounded down), or undefined: the first
 * number written as money (`$5,000`, `5000 PARDON`, `10k`, `2.5 thousand tokens`), else the first
 * number of at least 100 in a message that offers money. Small bare numbers ("my 2 kids") are not
 * amounts.
 */
export function parseTokenAmount(content: string): number | undefined {
  let fallback: number | undefined;
  for (const match of content.matchAll(AMOUNT)) {
    const [whole, digits = '', scale, unit] = match;
    const base = Number(digits.replace(/,/g, ''));
    const factor = /^(k|thousand)$/i.test(scale ?? '')
      ? 1_000
      : /^(m|million)$/i.test(scale ?? '')
        ? 1_000_000
        : 1;
    const tokens = Math.floor(base * factor);
    if (!Number.isSafeInteger(tokens) || tokens <= 0) continue;
    if (whole.trimStart().startsWith('$') || unit !== undefined || scale !== undefined) {
      return tokens;
    }
    if (fallback === undefined && tokens >= 100) fallback = tokens;
  }
  return fallback;
}

/**
 * The premium service a player's message asks `persona` for, if any (and only one it sells):
 * money offered with an amount → the variable service its words name (`bribe`, `donation`,
 * `campaign_contribution`, `gift`; plain "I offer / pay / send you N" → `donation`), at least
 * its minimum; asking to recommend the pardon → `pardon_recommendation`; an introduction to (or
 * help with) another agent → `connection_intro`; a deal proposed → `private_deal`; advice or
 * strategy → `strategy_advice`; secrets or insider information → `insider_info`. Deterministic.
 */
export function chooseService(persona: Persona, content: string): ServiceChoice | undefined {
  const sells = (service: PremiumService) => persona.services.includes(service);
  const amount = parseTokenAmount(content);
  if (amount !== undefined) {
    const named = VARIABLE_WORDS.find(([, words]) => words.test(content))?.[0];
    const service = named ?? (OFFER_MONEY.test(content) ? 'donation' : undefined);
    if (service && sells(service)) {
      const minimum = VARIABLE_MINIMUM_TOKENS[service] ?? 1;
      return { service, amount: String(Math.max(minimum, amount)) };
    }
  }
  const agents = [...classify(content, persona.id).agents, ...relativesIn(content)].filter(
    (id) => id !== persona.id,
  );
  for (const [service, words] of FIXED_WORDS) {
    if (!words.test(content) || !sells(service)) continue;
    if (service === 'connection_intro') {
      // An introduction to somebody: another agent named, or somebody influential.
      const target = agents[0];
      if (target) return { service, target };
      if (/\b(someone|somebody|people|influential|family)\b/i.test(content)) return { service };
      continue;
    }
    return { service };
  }
  return undefined;
}

/** Family members named by relation rather than by name ("your dad", "the First Lady"). */
const RELATIVES: Array<[AgentId, RegExp]> = [
  ['trump-donald', /\b(your (dad|father|husband|old man)|dad|the president)\b/i],
  ['trump-melania', /\b(your (mom|mother|wife|stepmother)|mom)\b/i],
  ['trump-barron', /\b(your (little |youngest |kid )?(son|brother))\b/i],
];

function relativesIn(content: string): AgentId[] {
  return RELATIVES.filter(([, words]) => words.test(content)).map(([id]) => id);
}

/** Who sends the gateway's own messages (payment settled) into a thread. */
export const SYSTEM_SENDER = 'system';

export const PaymentVerifiedSchema = z.object({
  type: z.literal('payment_verified'),
  intentId: z.string().min(1),
  service: z.string().min(1),
  /** Base units (6 decimals), a decimal integer string. */
  amount: z.string().regex(/^\d+$/),
  signature: z.string().min(1),
  /** The player's wallet: the delivery mentions it. */
  wallet: z.string().min(1),
});
export type PaymentVerified = z.infer<typeof PaymentVerifiedSchema>;

/**
 * The `payment_verified` notice in a message, or undefined. Only the gateway's own messages count
 * (sender `system`, which no player can send as): a player typing the same JSON, or "Payment
 * sent!", is a player message like any other. The notice is a human-readable first line and a
 * JSON line; any line that parses as the notice is taken.
 */
export function paymentVerifiedOf(message: {
  senderId: string;
  content: string;
}): PaymentVerified | undefined {
  if (message.senderId !== SYSTEM_SENDER) return undefined;
  for (const line of message.content.split(/\r?\n/)) {
    const text = line.trim();
    if (!text.startsWith('{')) continue;
    try {
      const parsed = PaymentVerifiedSchema.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data;
    } catch {
      // not this line
    }
  }
  return undefined;
}
