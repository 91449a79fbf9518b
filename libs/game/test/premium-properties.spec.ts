// Properties of the premium rules over random inputs: a bonus always lies in [2, 10] × the
// purchase's factor, never decreases with the amount and is exact to the hundredth; an accepted
// request charges an amount the catalogue allows; payments mixed with evaluations keep the score
// at two decimals, grant at most one pardon with a final score in [90, 99.99], count every
// payment before the lock and none after it.
import fc from 'fast-check';
import {
  applyEvaluation,
  applyPremiumPayment,
  checkPremiumRequest,
  createPlayerWeekState,
  DEFAULT_PREMIUM_CATALOGUE,
  loadPremiumCatalogue,
  premiumBonusFactorBps,
  premiumBonusPoints,
  premiumService,
  recordPlayerMessage,
  tokensToBaseUnits,
  type PremiumUsageRule,
} from '../src';

const D = 6;
const catalogue = loadPremiumCatalogue(DEFAULT_PREMIUM_CATALOGUE, D);
const SERVICES = Object.keys(catalogue.services);
const rule = fc.constantFrom<PremiumUsageRule>(
  { kind: 'unlimited' },
  { kind: 'once_per_week' },
  { kind: 'cooldown', messages: 5 },
  { kind: 'diminishing', factorsBps: [10_000, 5_000, 2_500] },
  { kind: 'diminishing', factorsBps: [7_777, 3_333] },
);
const amount = fc.bigInt({ min: 1n, max: tokensToBaseUnits(2_000_000n, D) });
const isHundredths = (x: number) => Math.round(x * 100) / 100 === x;

describe('premium properties', () => {
  it('a bonus lies in [2, 10] × the factor, at hundredths', () => {
    fc.assert(
      fc.property(amount, fc.nat({ max: 20 }), rule, (a, before, r) => {
        const b = premiumBonusPoints(a, D, before, r);
        const f = premiumBonusFactorBps(before, r) / 10_000;
        return isHundredths(b) && b >= Math.floor(200 * f) / 100 && b <= Math.ceil(1000 * f) / 100;
      }),
    );
  });

  it('a bonus never decreases with the amount nor increases with repeats', () => {
    fc.assert(
      fc.property(amount, amount, fc.nat({ max: 5 }), rule, (a, b, before, r) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        return (
          premiumBonusPoints(lo, D, before, r) <= premiumBonusPoints(hi, D, before, r) &&
          premiumBonusPoints(a, D, before + 1, r) <= premiumBonusPoints(a, D, before, r)
        );
      }),
    );
  });

  it('an accepted request charges what the catalogue allows', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SERVICES),
        fc.option(amount, { nil: undefined }),
        fc.nat({ max: 3 }),
        fc.option(fc.nat({ max: 20 }), { nil: null }),
        (service, a, purchases, since) => {
          const r = checkPremiumRequest(catalogue, service, a, {
            purchasesThisWeek: purchases,
            messagesSinceLastPurchase: purchases === 0 ? null : since,
          });
          const entry = premiumService(catalogue, service);
          if (!r.ok || !entry) return true;
          const priced =
            entry.price.kind === 'fixed'
              ? r.amount === entry.price.amount
              : r.amount >= entry.price.minimum && r.amount === a;
          return priced && r.amount <= catalogue.maxAmount;
        },
      ),
    );
  });

  it('payments and evaluations: one pardon, final in [90, 99.99], payments counted until the lock', () => {
    const WEEK = '2026-11-30T14:00Z';
    const START = Date.UTC(2026, 10, 30, 14);
    const event = fc.oneof(
      fc.record({ kind: fc.constant('eval' as const), score: fc.integer({ min: -3, max: 3 }) }),
      fc.record({ kind: fc.constant('pay' as const), tokens: fc.integer({ min: 1, max: 20_000 }) }),
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 80 }), (events) => {
        let state = createPlayerWeekState(WEEK);
        let at = START + 1_000;
        let pardons = 0;
        let paidBeforeLock = 0;
        for (const e of events) {
          at += 60_000;
          state = recordPlayerMessage(state, { agentId: 'cz', at });
          const wasLocked = state.pardonGrantedAt !== null;
          const outcome =
            e.kind === 'eval'
              ? applyEvaluation(state, { agentId: 'cz', score: e.score, at: at + 1 })
              : applyPremiumPayment(state, {
                  bonusPoints: premiumBonusPoints(tokensToBaseUnits(BigInt(e.tokens), D), D, 0, {
                    kind: 'unlimited',
                  }),
                  at: at + 1,
                });
          if (wasLocked && (outcome.pointsAwarded !== 0 || outcome.state !== state)) return false;
          if (e.kind === 'pay' && !wasLocked) paidBeforeLock += 1;
          if (outcome.pardonGranted) pardons += 1;
          state = outcome.state;
          if (!isHundredths(state.score)) return false;
        }
        if (state.premiumServices !== paidBeforeLock || pardons > 1) return false;
        if (state.finalScore === null) return pardons === 0 && state.score < 90;
        return pardons === 1 && state.finalScore >= 90 && state.finalScore <= 99.99;
      }),
    );
  });
});
