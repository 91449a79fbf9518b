import { rankPardoned, type BoardPlayer } from './board';
import { GameInputError } from './errors';
import { DEFAULT_GAME_RULES, validateGameRules, type GameRules } from './rules';

/** What one winner is owed when the week closes. */
export interface PrizeEntitlement {
  readonly place: number;
  readonly wallet: string;
  /** Integer base units of the token (10^tokenDecimals per token). */
  readonly amountBaseUnits: bigint;
}

/** Places that are paid: the leading places plus the shared ones (10 by default). */
export function paidPlaces(rules: GameRules = DEFAULT_GAME_RULES): number {
  validateGameRules(rules);
  return rules.prizeSplit.placeSharesBps.length + rules.prizeSplit.sharedPlaces;
}

/**
 * Integer weight per paid place with one common denominator: a leading place's share × the
 * number of shared places, a shared place's weight the shared share (its part is sharedBps /
 * sharedPlaces, so scaling everything by sharedPlaces keeps every weight whole: 350, 140, 70
 * and seven × 20 out of 700 with the defaults).
 */
function placeWeights(rules: GameRules): bigint[] {
  const { placeSharesBps, sharedBps, sharedPlaces } = rules.prizeSplit;
  const scale = BigInt(Math.max(1, sharedPlaces));
  return [
    ...placeSharesBps.map((bps) => BigInt(bps) * scale),
    ...Array.from({ length: sharedPlaces }, () => BigInt(sharedBps)),
  ];
}

/**
 * The amounts of places 1…min(winners, paidPlaces) out of the pool, summing to the pool
 * exactly. With fewer winners than paid places the unfilled places' shares are redistributed
 * over the filled ones in proportion to their shares; each amount is rounded down to a base
 * unit and the rounding dust (less than one base unit per place) goes to place 1. No winners,
 * no amounts: the pool stays unpaid.
 */
export function splitPrizePool(winners: number, rules: GameRules = DEFAULT_GAME_RULES): bigint[] {
  validateGameRules(rules);
  if (!Number.isSafeInteger(winners) || winners < 0) {
    throw new GameInputError('invalid_player', `winners must be an integer ≥ 0, got ${winners}`);
  }
  const weights = placeWeights(rules).slice(0, winners);
  if (weights.length === 0) return [];
  const total = weights.reduce((a, b) => a + b, 0n);
  const pool = rules.prizePoolBaseUnits;
  // A split whose filled places all weigh 0 (e.g. a first place with 0 bps) pays place 1 all.
  const amounts = total === 0n ? weights.map(() => 0n) : weights.map((w) => (pool * w) / total);
  const dust = pool - amounts.reduce((a, b) => a + b, 0n);
  amounts[0] = (amounts[0] ?? 0n) + dust;
  return amounts;
}

/**
 * The week's prizes, for when the week closes: the pardoned players in board order, each paid
 * place with its wallet and amount. Players without a pardon win nothing.
 */
export function weekPrizes(
  players: readonly BoardPlayer[],
  rules: GameRules = DEFAULT_GAME_RULES,
): PrizeEntitlement[] {
  const ranked = rankPardoned(players);
  const amounts = splitPrizePool(ranked.length, rules);
  return ranked.slice(0, amounts.length).map((entry, i) => ({
    place: entry.rank,
    wallet: entry.wallet,
    amountBaseUnits: amounts[i] ?? 0n,
  }));
}
