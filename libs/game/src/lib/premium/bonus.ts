import { GameInputError } from '../errors';
import { fromCents } from '../rounding';
import { tokensToBaseUnits } from '../rules';
import type { PremiumUsageRule } from './catalogue';

/** The bonus ramp of production's scoring: 2 points at ≤ 1,000 tokens, 10 at ≥ 10,000, linear between. */
export const PREMIUM_BONUS = Object.freeze({
  minTokens: 1_000n,
  maxTokens: 10_000n,
  minCents: 200n,
  maxCents: 1_000n,
});

const FULL_BPS = 10_000n;

/** The bonus factor (basis points) of the purchase after `purchasesBefore` ones this week. */
export function premiumBonusFactorBps(purchasesBefore: number, rule: PremiumUsageRule): number {
  if (rule.kind !== 'diminishing') return Number(FULL_BPS);
  const factors = rule.factorsBps;
  return factors[Math.min(purchasesBefore, factors.length - 1)] ?? Number(FULL_BPS);
}

/**
 * The bonus points of a premium payment of `amount` base units (of a token with `decimals`):
 * 2 to 10 points, linear from 1,000 to 10,000 tokens and clamped at both ends, times the
 * diminishing factor of the service's rule for this purchase (`purchasesBefore` verified ones of
 * the same service this week: 100 %, 50 %, then 25 % with the default factors). Computed as one
 * exact fraction in bigint and rounded once, half up, to hundredths. Nothing paid, no bonus.
 *
 * Production rounds the ramp to whole points first and the diminished bonus to tenths; here the
 * result is exact to the hundredth, as every score of this library.
 */
export function premiumBonusPoints(
  amount: bigint,
  decimals: number,
  purchasesBefore: number,
  rule: PremiumUsageRule,
): number {
  if (!Number.isSafeInteger(purchasesBefore) || purchasesBefore < 0) {
    throw new GameInputError(
      'invalid_rules',
      `purchasesBefore must be an integer ≥ 0, got ${purchasesBefore}`,
    );
  }
  if (amount <= 0n) return 0;
  const min = tokensToBaseUnits(PREMIUM_BONUS.minTokens, decimals);
  const max = tokensToBaseUnits(PREMIUM_BONUS.maxTokens, decimals);
  const clamped = amount < min ? min : amount > max ? max : amount;
  const factor = BigInt(premiumBonusFactorBps(purchasesBefore, rule));
  // cents = (minCents + (maxCents − minCents)·(clamped − min)/(max − min)) · factor / 10,000
  const span = max - min;
  const numerator =
    (PREMIUM_BONUS.minCents * span +
      (PREMIUM_BONUS.maxCents - PREMIUM_BONUS.minCents) * (clamped - min)) *
    factor;
  const denominator = span * FULL_BPS;
  const cents = (2n * numerator + denominator) / (2n * denominator);
  return fromCents(Number(cents));
}
