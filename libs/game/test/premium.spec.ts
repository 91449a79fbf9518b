// Locks in the premium rules: the catalogue (production's nine services and prices, whole tokens
// converted to base units, every bad path named), the request checks (fixed and variable prices,
// the cap, once a week, cooldowns), the bonus ramp (2–10 points, diminishing repeats, exact
// hundredths) and a payment applied to a week (counted for the premium factor, able to grant the
// pardon, nothing once locked).
import {
  applyEvaluation,
  applyPremiumPayment,
  checkPremiumRequest,
  computeFinalScore,
  createPlayerWeekState,
  DEFAULT_GAME_RULES,
  DEFAULT_PREMIUM_CATALOGUE,
  GameInputError,
  loadPremiumCatalogue,
  premiumBonusFactorBps,
  premiumBonusPoints,
  PremiumCatalogueError,
  PremiumCatalogueSchema,
  premiumService,
  recordPlayerMessage,
  tokensToBaseUnits,
  type PlayerWeekState,
  type PremiumUsageRule,
} from '../src';

const WEEK = '2026-11-30T14:00Z';
const T0 = Date.UTC(2026, 10, 30, 15, 0);
const D = 6;
const tokens = (n: number | bigint) => tokensToBaseUnits(BigInt(n), D);
const catalogue = loadPremiumCatalogue(DEFAULT_PREMIUM_CATALOGUE, D);
const fresh = { purchasesThisWeek: 0, messagesSinceLastPurchase: null };
const DIMINISHING: PremiumUsageRule = { kind: 'diminishing', factorsBps: [10_000, 5_000, 2_500] };
const UNLIMITED: PremiumUsageRule = { kind: 'unlimited' };

function messagesOf(err: unknown): readonly string[] {
  return err instanceof PremiumCatalogueError ? err.issues : [];
}

function loadError(json: unknown): PremiumCatalogueError {
  try {
    loadPremiumCatalogue(json, D);
  } catch (e) {
    if (e instanceof PremiumCatalogueError) return e;
    throw e;
  }
  throw new Error('the catalogue loaded');
}

describe('the default premium catalogue', () => {
  it('has production’s nine services at production’s prices, in base units', () => {
    const prices = Object.fromEntries(
      Object.values(catalogue.services).map((e) => [
        e.service,
        e.price.kind === 'fixed' ? ['fixed', e.price.amount] : ['min', e.price.minimum],
      ]),
    );
    expect(prices).toEqual({
      insider_info: ['fixed', 1_000_000_000n],
      strategy_advice: ['fixed', 2_500_000_000n],
      connection_intro: ['fixed', 4_000_000_000n],
      private_deal: ['fixed', 6_000_000_000n],
      pardon_recommendation: ['fixed', 10_000_000_000n],
      donation: ['min', 1_000_000_000n],
      bribe: ['min', 7_500_000_000n],
      campaign_contribution: ['min', 2_500_000_000n],
      gift: ['min', 1_000_000_000n],
    });
    expect(catalogue.version).toBe(1);
    expect(catalogue.maxAmount).toBe(tokens(1_000_000));
  });

  it('gives every service a label, a one-line description and a usage rule', () => {
    for (const e of Object.values(catalogue.services)) {
      expect(e.label.length).toBeGreaterThan(0);
      expect(e.description).not.toMatch(/\n/);
      expect(['once_per_week', 'cooldown', 'diminishing', 'unlimited']).toContain(e.usage.kind);
    }
    expect(premiumService(catalogue, 'pardon_recommendation')?.usage).toEqual({
      kind: 'once_per_week',
    });
    expect(premiumService(catalogue, 'connection_intro')?.usage).toEqual({
      kind: 'cooldown',
      messages: 10,
    });
  });

  it('is frozen, and validates against its own schema', () => {
    expect(Object.isFrozen(DEFAULT_PREMIUM_CATALOGUE.services['bribe'])).toBe(true);
    expect(Object.isFrozen(catalogue.services['bribe']?.price)).toBe(true);
    expect(PremiumCatalogueSchema.safeParse(DEFAULT_PREMIUM_CATALOGUE).success).toBe(true);
  });

  it('converts with the token’s decimals', () => {
    const c0 = loadPremiumCatalogue(DEFAULT_PREMIUM_CATALOGUE, 0);
    expect(premiumService(c0, 'insider_info')?.price).toEqual({ kind: 'fixed', amount: 1_000n });
    const c9 = loadPremiumCatalogue(DEFAULT_PREMIUM_CATALOGUE, 9);
    expect(c9.maxAmount).toBe(1_000_000n * 10n ** 9n);
  });

  it('does not find inherited properties as services', () => {
    expect(premiumService(catalogue, 'constructor')).toBeUndefined();
    expect(premiumService(catalogue, '__proto__')).toBeUndefined();
  });
});

describe('loadPremiumCatalogue', () => {
  const good = structuredClone(DEFAULT_PREMIUM_CATALOGUE);

  it('names every bad path', () => {
    const bad = structuredClone(good) as unknown as {
      version: number;
      services: Record<string, { price: Record<string, unknown>; usage: unknown }>;
    };
    bad.version = 2;
    (bad.services['bribe'] as { price: Record<string, unknown> }).price = {
      kind: 'variable',
      minTokens: 7500.5,
    };
    (bad.services['gift'] as { usage: unknown }).usage = { kind: 'cooldown', messages: 0 };
    const issues = messagesOf(loadError(bad));
    expect(issues.some((i) => i.startsWith('version:'))).toBe(true);
    expect(issues.some((i) => i.startsWith('services.bribe.price.minTokens:'))).toBe(true);
    expect(issues.some((i) => i.startsWith('services.gift.usage.messages:'))).toBe(true);
    expect(loadError(bad).message).toContain('services.bribe.price.minTokens');
    expect(loadError(bad)).toBeInstanceOf(GameInputError);
  });

  it('refuses floats, strings, unknown keys, increasing factors and prices above the cap', () => {
    const withService = (service: unknown) => ({
      ...good,
      services: { ...good.services, x: service },
    });
    const base = { label: 'X', description: 'one line', usage: { kind: 'unlimited' } };
    expect(
      messagesOf(loadError(withService({ ...base, price: { kind: 'fixed', tokens: 0.5 } }))),
    ).toEqual([expect.stringMatching(/^services\.x\.price\.tokens: /)]);
    expect(
      messagesOf(loadError(withService({ ...base, price: { kind: 'fixed', tokens: '1000' } }))),
    ).toEqual([expect.stringMatching(/^services\.x\.price\.tokens: /)]);
    expect(
      messagesOf(
        loadError(withService({ ...base, price: { kind: 'fixed', tokens: 1 }, extra: 1 })),
      ),
    ).toEqual([expect.stringMatching(/^services\.x: /)]);
    expect(
      messagesOf(
        loadError(
          withService({
            ...base,
            price: { kind: 'fixed', tokens: 1 },
            usage: { kind: 'diminishing', factorsBps: [5_000, 10_000] },
          }),
        ),
      ),
    ).toEqual([expect.stringMatching(/^services\.x\.usage\.factorsBps: .*not increase/)]);
    expect(
      messagesOf(loadError(withService({ ...base, price: { kind: 'fixed', tokens: 2_000_000 } }))),
    ).toEqual([expect.stringMatching(/^services\.x\.price: .*maxTokens/)]);
    expect(
      messagesOf(
        loadError(
          withService({ ...base, description: 'two\nlines', price: { kind: 'fixed', tokens: 1 } }),
        ),
      ),
    ).toEqual([expect.stringMatching(/^services\.x\.description: /)]);
  });

  it('refuses a bad service id and a non-object', () => {
    expect(
      messagesOf(loadError({ ...good, services: { 'Bad Id': good.services['gift'] } })).join(),
    ).toMatch(/services/);
    expect(messagesOf(loadError(null))).toEqual([expect.stringMatching(/^\(root\): /)]);
  });

  it('refuses bad decimals', () => {
    expect(() => loadPremiumCatalogue(good, -1)).toThrow(GameInputError);
  });
});

describe('checkPremiumRequest', () => {
  it('charges a fixed price, with or without the same amount given', () => {
    for (const amount of [undefined, tokens(4_000)]) {
      const r = checkPremiumRequest(catalogue, 'connection_intro', amount, fresh);
      expect(r).toMatchObject({ ok: true, amount: tokens(4_000) });
      expect(r.ok && r.entry.service).toBe('connection_intro');
    }
  });

  it('refuses another amount for a fixed price', () => {
    expect(checkPremiumRequest(catalogue, 'insider_info', tokens(5_000), fresh)).toMatchObject({
      ok: false,
      code: 'amount_not_allowed',
      message: 'Insider info has a fixed price of 1000 tokens.',
    });
  });

  it('needs an amount from the minimum to the cap for a variable price', () => {
    expect(checkPremiumRequest(catalogue, 'bribe', undefined, fresh)).toMatchObject({
      ok: false,
      code: 'amount_required',
    });
    expect(checkPremiumRequest(catalogue, 'bribe', tokens(7_500) - 1n, fresh)).toMatchObject({
      ok: false,
      code: 'amount_below_minimum',
    });
    expect(checkPremiumRequest(catalogue, 'bribe', tokens(7_500), fresh)).toMatchObject({
      ok: true,
      amount: tokens(7_500),
    });
    expect(checkPremiumRequest(catalogue, 'gift', tokens(1_000_000), fresh)).toMatchObject({
      ok: true,
    });
    expect(checkPremiumRequest(catalogue, 'gift', tokens(1_000_000) + 1n, fresh)).toMatchObject({
      ok: false,
      code: 'amount_too_large',
    });
    expect(checkPremiumRequest(catalogue, 'gift', -1n, fresh)).toMatchObject({
      ok: false,
      code: 'amount_below_minimum',
    });
  });

  it('refuses an unknown service', () => {
    expect(checkPremiumRequest(catalogue, 'constructor', undefined, fresh)).toMatchObject({
      ok: false,
      code: 'unknown_service',
    });
  });

  it('sells a once-a-week service once a week', () => {
    const used = { purchasesThisWeek: 1, messagesSinceLastPurchase: 50 };
    expect(checkPremiumRequest(catalogue, 'pardon_recommendation', undefined, used)).toMatchObject({
      ok: false,
      code: 'service_used_this_week',
    });
    expect(checkPremiumRequest(catalogue, 'bribe', tokens(8_000), used)).toMatchObject({
      ok: false,
      code: 'service_used_this_week',
    });
  });

  it('sells a cooldown service again after N messages', () => {
    const after = (m: number) =>
      checkPremiumRequest(catalogue, 'strategy_advice', undefined, {
        purchasesThisWeek: 1,
        messagesSinceLastPurchase: m,
      });
    expect(after(4)).toMatchObject({
      ok: false,
      code: 'service_cooling_down',
      message: 'Strategy advice is available again after 1 more message.',
    });
    expect(after(0)).toMatchObject({ message: expect.stringContaining('5 more messages') });
    expect(after(5)).toMatchObject({ ok: true });
  });

  it('always sells a diminishing service', () => {
    const many = { purchasesThisWeek: 7, messagesSinceLastPurchase: 0 };
    expect(checkPremiumRequest(catalogue, 'insider_info', undefined, many)).toMatchObject({
      ok: true,
    });
  });

  it('throws on malformed usage counts', () => {
    expect(() =>
      checkPremiumRequest(catalogue, 'gift', tokens(1_000), {
        purchasesThisWeek: -1,
        messagesSinceLastPurchase: null,
      }),
    ).toThrow(GameInputError);
    expect(() =>
      checkPremiumRequest(catalogue, 'gift', tokens(1_000), {
        purchasesThisWeek: 0,
        messagesSinceLastPurchase: 1.5,
      }),
    ).toThrow(GameInputError);
  });
});

describe('premiumBonusPoints', () => {
  it('is 2 points at 1,000 tokens, 10 at 10,000, linear between, clamped at both ends', () => {
    const bonus = (t: number) => premiumBonusPoints(tokens(t), D, 0, UNLIMITED);
    expect(bonus(1_000)).toBe(2);
    expect(bonus(500)).toBe(2);
    expect(bonus(10_000)).toBe(10);
    expect(bonus(1_000_000)).toBe(10);
    expect(bonus(2_500)).toBe(3.33); // 2 + 8 × 1,500 / 9,000 = 3.333…
    expect(bonus(4_000)).toBe(4.67); // 2 + 8 × 3,000 / 9,000 = 4.666…
    expect(bonus(5_500)).toBe(6);
    expect(bonus(7_500)).toBe(7.78);
  });

  it('is exact at the hundredth with fractions of a token', () => {
    // 1,000.5 tokens: 2 + 8 × 0.5 / 9,000 = 2.000444… → 2.
    expect(premiumBonusPoints(tokens(1_000) + 500_000n, D, 0, UNLIMITED)).toBe(2);
    // 1,005.625 tokens: 2 + 8 × 5.625 / 9,000 = 2.005 exactly → rounds half up to 2.01.
    expect(premiumBonusPoints(tokens(1_005) + 625_000n, D, 0, UNLIMITED)).toBe(2.01);
  });

  it('diminishes repeats of a diminishing service: 100 %, 50 %, then 25 %', () => {
    const bonus = (before: number) => premiumBonusPoints(tokens(2_500), D, before, DIMINISHING);
    expect([0, 1, 2, 3, 10].map(bonus)).toEqual([3.33, 1.67, 0.83, 0.83, 0.83]);
    expect(premiumBonusPoints(tokens(10_000), D, 5, UNLIMITED)).toBe(10);
    expect(premiumBonusPoints(tokens(10_000), D, 5, { kind: 'once_per_week' })).toBe(10);
    expect(premiumBonusFactorBps(1, DIMINISHING)).toBe(5_000);
  });

  it('gives nothing for nothing and refuses a bad count', () => {
    expect(premiumBonusPoints(0n, D, 0, UNLIMITED)).toBe(0);
    expect(() => premiumBonusPoints(tokens(1_000), D, -1, UNLIMITED)).toThrow(GameInputError);
    expect(() => premiumBonusPoints(tokens(1_000), D, 0.5, UNLIMITED)).toThrow(GameInputError);
  });
});

function talkTo(state: PlayerWeekState, ...agents: string[]): PlayerWeekState {
  return agents.reduce((s, agentId, i) => recordPlayerMessage(s, { agentId, at: T0 + i }), state);
}

describe('applyPremiumPayment', () => {
  it('counts the service and adds the bonus in hundredths', () => {
    const s0 = talkTo(createPlayerWeekState(WEEK), 'cz');
    const out = applyPremiumPayment(s0, { bonusPoints: 4.67, at: T0 + 1_000 });
    expect(out).toMatchObject({
      pointsAwarded: 4.67,
      pardonGranted: false,
      locked: false,
      final: null,
    });
    expect(out.state.score).toBe(4.67);
    expect(out.state.premiumServices).toBe(1);
    const again = applyPremiumPayment(out.state, { bonusPoints: 0.1, at: T0 + 2_000 });
    expect(again.state.score).toBe(4.77);
    expect(again.state.premiumServices).toBe(2);
  });

  it('does not mutate its input', () => {
    const s0 = talkTo(createPlayerWeekState(WEEK), 'cz');
    const copy = structuredClone(s0);
    applyPremiumPayment(s0, { bonusPoints: 10, at: T0 });
    expect(s0).toEqual(copy);
  });

  it('reaches the threshold and grants the pardon, the service counted in the premium factor', () => {
    const s0 = {
      ...talkTo(createPlayerWeekState(WEEK), 'cz', 'trump-eric'),
      score: 85,
      premiumServices: 2,
    };
    const at = T0 + 3_600_000;
    const out = applyPremiumPayment(s0, { bonusPoints: 10, at });
    expect(out.pardonGranted).toBe(true);
    expect(out.locked).toBe(true);
    expect(out.pointsAwarded).toBe(10);
    expect(out.state.score).toBe(95);
    expect(out.state.pardonGrantedAt).toBe(at);
    expect(out.state.premiumServices).toBe(3);
    const expected = computeFinalScore({
      firstMessageAt: T0,
      pardonAt: at,
      distinctAgents: 2,
      premiumServices: 3,
      pointsAtPardon: 95,
      messagesSent: 2,
    });
    expect(out.final).toEqual(expected);
    expect(out.state.finalScore).toBe(expected.finalScore);
    expect(out.final?.premium).toBeCloseTo(0.3);
  });

  it('changes nothing once the week is locked', () => {
    let s = { ...talkTo(createPlayerWeekState(WEEK), 'cz'), score: 89.99 };
    s = applyPremiumPayment(s, { bonusPoints: 2, at: T0 + 10 }).state;
    const out = applyPremiumPayment(s, { bonusPoints: 10, at: T0 + 20 });
    expect(out).toEqual({
      state: s,
      pointsAwarded: 0,
      pardonGranted: false,
      locked: true,
      final: null,
    });
    // And an evaluation after a premium pardon is locked out too.
    expect(applyEvaluation(s, { agentId: 'cz', score: 3, at: T0 + 30 }).pointsAwarded).toBe(0);
  });

  it('grants the pardon of a week without messages at the payment’s instant', () => {
    const s0 = { ...createPlayerWeekState(WEEK), score: 89 };
    const out = applyPremiumPayment(s0, { bonusPoints: 2, at: T0 });
    expect(out.pardonGranted).toBe(true);
    expect(out.state.pardonGrantedAt).toBe(T0);
  });

  it('refuses a negative bonus and a bad instant', () => {
    const s0 = createPlayerWeekState(WEEK);
    expect(() => applyPremiumPayment(s0, { bonusPoints: -1, at: T0 })).toThrow(GameInputError);
    expect(() => applyPremiumPayment(s0, { bonusPoints: Number.NaN, at: T0 })).toThrow(
      GameInputError,
    );
    expect(() => applyPremiumPayment(s0, { bonusPoints: 1, at: 1.5 })).toThrow(GameInputError);
  });

  it('uses the rules given', () => {
    const rules = { ...DEFAULT_GAME_RULES, pardonThreshold: 5 };
    const out = applyPremiumPayment(
      talkTo(createPlayerWeekState(WEEK, rules), 'cz'),
      { bonusPoints: 5, at: T0 },
      rules,
    );
    expect(out.pardonGranted).toBe(true);
  });
});
