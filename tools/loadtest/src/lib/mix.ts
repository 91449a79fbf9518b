/** What a virtual player does on one visit. */
export type JourneyKind = 'new' | 'returning' | 'multiAgent' | 'leaderboard';

export const JOURNEY_KINDS: readonly JourneyKind[] = [
  'new',
  'returning',
  'multiAgent',
  'leaderboard',
];

export type Mix = Record<JourneyKind, number>;

/**
 * Production's planned traffic mix (issue 9): new players 30 %, returning players 50 % (a fixed
 * set of wallets), multi-agent conversations 15 %, leaderboard reads 5 %.
 */
export const DEFAULT_MIX: Readonly<Mix> = Object.freeze({
  new: 0.3,
  returning: 0.5,
  multiAgent: 0.15,
  leaderboard: 0.05,
});

/** Parses `new=30,returning=50,multiAgent=15,leaderboard=5` (weights, normalised to sum 1). */
export function parseMix(text: string): Mix {
  const mix: Mix = { new: 0, returning: 0, multiAgent: 0, leaderboard: 0 };
  for (const part of text.split(',')) {
    const [key, value] = part.split('=').map((s) => s.trim());
    if (!JOURNEY_KINDS.includes(key as JourneyKind)) {
      throw new RangeError(`unknown journey "${key}" (use ${JOURNEY_KINDS.join(', ')})`);
    }
    const weight = Number(value);
    if (!(weight >= 0) || !Number.isFinite(weight)) {
      throw new RangeError(`weight of ${key} must be a number ≥ 0, got "${value}"`);
    }
    mix[key as JourneyKind] = weight;
  }
  return normaliseMix(mix);
}

export function normaliseMix(mix: Mix): Mix {
  const sum = JOURNEY_KINDS.reduce((s, k) => s + mix[k], 0);
  if (!(sum > 0)) throw new RangeError('the mix needs at least one weight above 0');
  const out = { ...mix };
  for (const k of JOURNEY_KINDS) out[k] = mix[k] / sum;
  return out;
}

/** The journey a uniform draw `u` in [0, 1) selects under `mix` (weights summing to 1). */
export function pickJourney(mix: Mix, u: number): JourneyKind {
  let acc = 0;
  for (const kind of JOURNEY_KINDS) {
    acc += mix[kind];
    if (u < acc) return kind;
  }
  // Rounding can leave the sum a hair under 1: the last kind with weight takes the remainder.
  return [...JOURNEY_KINDS].reverse().find((k) => mix[k] > 0) as JourneyKind;
}

/** Small seeded generator (mulberry32): the same seed gives the same run plan. */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed from a string (FNV-1a), so `--seed pardon` works as well as numbers. */
export function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
