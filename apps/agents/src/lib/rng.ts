/**
 * Seeded pseudo-random numbers. The scripted brain must be reproducible given `AGENT_SEED`, and
 * replies in different threads run concurrently, so every decision draws from a generator derived
 * from stable inputs (seed, agent, thread, turn) instead of one shared stream whose order would
 * depend on scheduling.
 */

/** A function returning uniformly distributed numbers in [0, 1). */
export type Random = () => number;

/** 32-bit FNV-1a hash of a string: cheap, stable across runs and platforms. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** mulberry32: a small, fast generator with a 32-bit state, good enough for picking lines. */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A generator determined by the given parts, e.g. `seededRandom(seed, agentId, threadId, turn)`. */
export function seededRandom(...parts: Array<string | number>): Random {
  return mulberry32(hashString(parts.join('\u0000')));
}

/** Uniform integer in [0, n). */
export function pickIndex(random: Random, n: number): number {
  return Math.min(n - 1, Math.floor(random() * n));
}
