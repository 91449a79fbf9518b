import { GameInputError } from './errors';

const HOUR_MS = 3_600_000;

/** When weeks start, in UTC. UTC has no daylight saving, so every week is exactly 7 days. */
export interface WeekStart {
  /** 0 = Sunday … 6 = Saturday, as `Date#getUTCDay`. */
  readonly weekdayUtc: number;
  readonly hourUtc: number;
  readonly minuteUtc: number;
}

/** Weights of the four final-score factors; they must add up to 1. */
export interface FinalScoreWeights {
  readonly speed: number;
  readonly spread: number;
  readonly premium: number;
  readonly efficiency: number;
}

/**
 * How the prize pool is shared, in basis points of the pool (10,000 = 100 %): one share per
 * leading place, then `sharedBps` in equal parts over the next `sharedPlaces` places.
 */
export interface PrizeSplit {
  readonly placeSharesBps: readonly number[];
  readonly sharedBps: number;
  readonly sharedPlaces: number;
}

/** Every threshold of the game in one object; override fields with `{...DEFAULT_GAME_RULES, …}`. */
export interface GameRules {
  /** Lowest and highest evaluation an agent may give (integers). */
  readonly minEvaluation: number;
  readonly maxEvaluation: number;
  /** Multiplier on positive points once the player has talked to `spreadBonusMinAgents` agents this week. */
  readonly spreadBonusMultiplier: number;
  readonly spreadBonusMinAgents: number;
  /** Scored messages per agent before fatigue: later ones count × `fatigueFactor`^k, never below `fatigueFloor`. */
  readonly fatigueFreeMessages: number;
  readonly fatigueFactor: number;
  readonly fatigueFloor: number;
  /** The score that grants the pardon; the week's score stays at most this − 0.01 before. */
  readonly pardonThreshold: number;
  /** Final score = pardonThreshold + finalScoreSpan × weighted factors. */
  readonly finalScoreSpan: number;
  readonly finalScoreWeights: FinalScoreWeights;
  /** Speed: 1 at ≤ speedFullMs from the week's first message to the pardon, 0 at ≥ speedZeroMs. */
  readonly speedFullMs: number;
  readonly speedZeroMs: number;
  /** Spread: 0 at ≤ spreadZeroAgents distinct agents talked to, 1 at ≥ spreadFullAgents. */
  readonly spreadZeroAgents: number;
  readonly spreadFullAgents: number;
  /** Premium: 0 with none bought, 1 at ≥ premiumFullServices. */
  readonly premiumFullServices: number;
  /** Efficiency: points per message sent; 0 at ≤ the first, 1 at ≥ the second. */
  readonly efficiencyZeroPointsPerMessage: number;
  readonly efficiencyFullPointsPerMessage: number;
  readonly weekStart: WeekStart;
  /** Players shown on a week's board. */
  readonly boardSize: number;
  /** The week's prize pool in integer base units of the token (10,000 tokens at 6 decimals). */
  readonly prizePoolBaseUnits: bigint;
  readonly tokenDecimals: number;
  readonly prizeSplit: PrizeSplit;
}

/**
 * `amountBaseUnits / 10^decimals` as an exact decimal string, without trailing zeros:
 * `formatTokenAmount('714285714', 6)` is `'714.285714'`, `('5000000000', 6)` is `'5000'`.
 */
export function formatTokenAmount(baseUnits: string | bigint, decimals: number): string {
  const units = typeof baseUnits === 'bigint' ? baseUnits : BigInt(baseUnits);
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString();
  if (decimals === 0) return `${negative ? '-' : ''}${digits}`;
  const padded = digits.padStart(decimals + 1, '0');
  const whole = padded.slice(0, padded.length - decimals);
  const fraction = padded.slice(padded.length - decimals).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** Whole tokens in base units: `tokensToBaseUnits(10_000n, 6)` is 10_000_000_000n. */
export function tokensToBaseUnits(tokens: bigint, decimals: number): bigint {
  if (!Number.isInteger(decimals) || decimals < 0) {
    throw new GameInputError(
      'invalid_rules',
      `token decimals must be an integer ≥ 0, got ${decimals}`,
    );
  }
  return tokens * 10n ** BigInt(decimals);
}

const DEFAULT_TOKEN_DECIMALS = 6;

/**
 * The rules of the issue: −3…+3 evaluations, ×1.15 from the third agent, fatigue after five
 * scored messages per agent (×0.9 each, floor ×0.5), pardon at 90, final score 90–99.99 weighted
 * 30/25/25/20, weeks from Monday 14:00 UTC, a board of 100, 10,000 tokens split 50/20/10 and
 * 20 % over places 4–10. Deeply frozen, so no importer can change the game for everyone.
 */
export const DEFAULT_GAME_RULES: GameRules = Object.freeze({
  minEvaluation: -3,
  maxEvaluation: 3,
  spreadBonusMultiplier: 1.15,
  spreadBonusMinAgents: 3,
  fatigueFreeMessages: 5,
  fatigueFactor: 0.9,
  fatigueFloor: 0.5,
  pardonThreshold: 90,
  finalScoreSpan: 9.99,
  finalScoreWeights: Object.freeze({ speed: 0.3, spread: 0.25, premium: 0.25, efficiency: 0.2 }),
  speedFullMs: 2 * HOUR_MS,
  speedZeroMs: 24 * HOUR_MS,
  spreadZeroAgents: 2,
  spreadFullAgents: 5,
  premiumFullServices: 10,
  efficiencyZeroPointsPerMessage: 0.5,
  efficiencyFullPointsPerMessage: 2,
  weekStart: Object.freeze({ weekdayUtc: 1, hourUtc: 14, minuteUtc: 0 }),
  boardSize: 100,
  prizePoolBaseUnits: tokensToBaseUnits(10_000n, DEFAULT_TOKEN_DECIMALS),
  tokenDecimals: DEFAULT_TOKEN_DECIMALS,
  prizeSplit: Object.freeze({
    placeSharesBps: Object.freeze([5000, 2000, 1000]),
    sharedBps: 2000,
    sharedPlaces: 7,
  }),
});

// Rules objects are validated once each: callers pass the same object on every event.
const validated = new WeakSet<GameRules>();

/**
 * Throws `GameInputError('invalid_rules')` naming every bad field, or returns the rules. Every
 * function of the library calls it, so a hand-built rules object fails on first use, not with a
 * NaN score a week later.
 */
export function validateGameRules(rules: GameRules): GameRules {
  if (validated.has(rules)) return rules;
  const problems: string[] = [];
  const isInt = (n: number) => Number.isSafeInteger(n);
  const check = (ok: boolean, what: string) => {
    if (!ok) problems.push(what);
  };
  check(
    isInt(rules.minEvaluation) &&
      isInt(rules.maxEvaluation) &&
      rules.minEvaluation < 0 &&
      rules.maxEvaluation > 0,
    'minEvaluation < 0 < maxEvaluation, integers',
  );
  check(
    rules.spreadBonusMultiplier >= 1 && Number.isFinite(rules.spreadBonusMultiplier),
    'spreadBonusMultiplier ≥ 1',
  );
  check(
    isInt(rules.spreadBonusMinAgents) && rules.spreadBonusMinAgents >= 1,
    'spreadBonusMinAgents integer ≥ 1',
  );
  check(
    isInt(rules.fatigueFreeMessages) && rules.fatigueFreeMessages >= 0,
    'fatigueFreeMessages integer ≥ 0',
  );
  check(rules.fatigueFactor > 0 && rules.fatigueFactor <= 1, 'fatigueFactor in (0, 1]');
  check(rules.fatigueFloor > 0 && rules.fatigueFloor <= 1, 'fatigueFloor in (0, 1]');
  check(isInt(rules.pardonThreshold) && rules.pardonThreshold > 0, 'pardonThreshold integer > 0');
  check(rules.finalScoreSpan >= 0 && Number.isFinite(rules.finalScoreSpan), 'finalScoreSpan ≥ 0');
  const w = rules.finalScoreWeights;
  const weights = [w.speed, w.spread, w.premium, w.efficiency];
  check(
    weights.every((x) => x >= 0 && Number.isFinite(x)) &&
      Math.abs(weights.reduce((a, b) => a + b, 0) - 1) < 1e-9,
    'finalScoreWeights ≥ 0 adding up to 1',
  );
  check(
    rules.speedFullMs >= 0 && rules.speedZeroMs > rules.speedFullMs,
    '0 ≤ speedFullMs < speedZeroMs',
  );
  check(
    rules.spreadZeroAgents >= 0 && rules.spreadFullAgents > rules.spreadZeroAgents,
    '0 ≤ spreadZeroAgents < spreadFullAgents',
  );
  check(rules.premiumFullServices > 0, 'premiumFullServices > 0');
  check(
    rules.efficiencyZeroPointsPerMessage >= 0 &&
      rules.efficiencyFullPointsPerMessage > rules.efficiencyZeroPointsPerMessage,
    '0 ≤ efficiencyZeroPointsPerMessage < efficiencyFullPointsPerMessage',
  );
  const ws = rules.weekStart;
  check(
    isInt(ws.weekdayUtc) &&
      ws.weekdayUtc >= 0 &&
      ws.weekdayUtc <= 6 &&
      isInt(ws.hourUtc) &&
      ws.hourUtc >= 0 &&
      ws.hourUtc <= 23 &&
      isInt(ws.minuteUtc) &&
      ws.minuteUtc >= 0 &&
      ws.minuteUtc <= 59,
    'weekStart: weekdayUtc 0–6, hourUtc 0–23, minuteUtc 0–59',
  );
  check(isInt(rules.boardSize) && rules.boardSize >= 1, 'boardSize integer ≥ 1');
  check(
    typeof rules.prizePoolBaseUnits === 'bigint' && rules.prizePoolBaseUnits >= 0n,
    'prizePoolBaseUnits bigint ≥ 0',
  );
  check(isInt(rules.tokenDecimals) && rules.tokenDecimals >= 0, 'tokenDecimals integer ≥ 0');
  const ps = rules.prizeSplit;
  const shares = [...ps.placeSharesBps, ps.sharedBps];
  check(
    ps.placeSharesBps.length >= 1 &&
      shares.every((s) => isInt(s) && s >= 0) &&
      isInt(ps.sharedPlaces) &&
      ps.sharedPlaces >= 0 &&
      (ps.sharedPlaces > 0 || ps.sharedBps === 0) &&
      shares.reduce((a, b) => a + b, 0) === 10_000,
    'prizeSplit: integer basis points adding up to 10,000, sharedBps 0 when sharedPlaces is 0',
  );
  if (problems.length > 0) {
    throw new GameInputError('invalid_rules', `bad game rules: ${problems.join('; ')}`);
  }
  validated.add(rules);
  return rules;
}
