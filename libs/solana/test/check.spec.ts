// Locks in checkPayment: every refusal code, and the order in which the rules are applied.
import {
  CLOCK_SLACK_MS,
  type ObservedTransaction,
  type PaymentExpectation,
  checkPayment,
} from '../src';

const PAYER = 'AKnL4NNf3DGWZJS6cPknBuEGnVsV4A4m5tgebLHaRSZ9';
const TREASURY = 'EdmxWPmx2WH6WgFfTdu9xfkYf3k1g5wD1zccTVySEEh1';
const MINT = 'AKkzLhjhyFtM9j7WAhbaqYpFe49cXeJBg2kzLRC2PnNa';
const OTHER_MINT = 'GmaDrppBC7P5ARKV8g3djiwP89vz1jLK23V2GBjuAEGB';
const STRANGER = 'J2xccRtuG43drESLYznHhLhQkLTdfepcKYbiQ9BsJVaf';
const REFERENCE = '8SFqwqnq4whPhs8icwHA2hQg3hUoN1qrCLK1SBx3WKwe';
const BLOCK_TIME = 1796179210;

const expectation: PaymentExpectation = {
  payer: PAYER,
  mint: MINT,
  treasury: TREASURY,
  amount: 5_000_000n,
  reference: REFERENCE,
  notBefore: new Date((BLOCK_TIME - 30) * 1000),
};

function paid(over: Partial<ObservedTransaction> = {}): ObservedTransaction {
  return {
    signature: 'sig',
    slot: 10,
    blockTime: BLOCK_TIME,
    succeeded: true,
    feePayer: PAYER,
    signers: [PAYER],
    accountKeys: [PAYER, 'payerAta', 'treasuryAta', TREASURY, REFERENCE, MINT],
    tokenDeltas: [
      { account: 'payerAta', owner: PAYER, mint: MINT, delta: -5_000_000n },
      { account: 'treasuryAta', owner: TREASURY, mint: MINT, delta: 5_000_000n },
    ],
    ...over,
  };
}

const codeOf = (tx: ObservedTransaction, e: Partial<PaymentExpectation> = {}) => {
  const r = checkPayment(tx, { ...expectation, ...e });
  return r.ok ? 'ok' : r.code;
};

describe('checkPayment', () => {
  it('accepts a payment of the amount and reports what the treasury received and when', () => {
    expect(checkPayment(paid(), expectation)).toEqual({
      ok: true,
      amount: 5_000_000n,
      paidAt: new Date(BLOCK_TIME * 1000),
    });
  });

  it('accepts an overpayment and reports the amount received', () => {
    const tx = paid({
      tokenDeltas: [
        { account: 'payerAta', owner: PAYER, mint: MINT, delta: -7_000_000n },
        { account: 'treasuryAta', owner: TREASURY, mint: MINT, delta: 7_000_000n },
      ],
    });
    expect(checkPayment(tx, expectation)).toMatchObject({ ok: true, amount: 7_000_000n });
  });

  it('refuses a transaction that failed on chain (payment_failed)', () => {
    expect(codeOf(paid({ succeeded: false }))).toBe('payment_failed');
  });

  it('refuses a transaction without the reference (payment_missing_reference)', () => {
    expect(codeOf(paid({ accountKeys: [PAYER, TREASURY, MINT] }))).toBe(
      'payment_missing_reference',
    );
  });

  it('refuses a transaction the payer did not sign (payment_not_yours)', () => {
    expect(codeOf(paid({ signers: [STRANGER] }))).toBe('payment_not_yours');
  });

  it("refuses a transaction in which none of the payer's tokens moved (payment_not_yours)", () => {
    const tx = paid({
      tokenDeltas: [
        { account: 'strangerAta', owner: STRANGER, mint: MINT, delta: -5_000_000n },
        { account: 'treasuryAta', owner: TREASURY, mint: MINT, delta: 5_000_000n },
      ],
    });
    expect(codeOf(tx)).toBe('payment_not_yours');
  });

  it('refuses a payment in another token (payment_wrong_mint)', () => {
    const tx = paid({
      tokenDeltas: [
        { account: 'payerOther', owner: PAYER, mint: OTHER_MINT, delta: -5_000_000n },
        { account: 'treasuryOther', owner: TREASURY, mint: OTHER_MINT, delta: 5_000_000n },
      ],
    });
    expect(codeOf(tx)).toBe('payment_wrong_mint');
  });

  it('refuses a payment of the token to another owner (payment_wrong_recipient)', () => {
    const tx = paid({
      tokenDeltas: [
        { account: 'payerAta', owner: PAYER, mint: MINT, delta: -5_000_000n },
        { account: 'strangerAta', owner: STRANGER, mint: MINT, delta: 5_000_000n },
      ],
    });
    expect(codeOf(tx)).toBe('payment_wrong_recipient');
  });

  it('refuses less than the amount (payment_short)', () => {
    const tx = paid({
      tokenDeltas: [
        { account: 'payerAta', owner: PAYER, mint: MINT, delta: -4_999_999n },
        { account: 'treasuryAta', owner: TREASURY, mint: MINT, delta: 4_999_999n },
      ],
    });
    expect(codeOf(tx)).toBe('payment_short');
  });

  it('refuses a transaction from before the intent beyond the clock slack (payment_too_old)', () => {
    const notBefore = new Date(BLOCK_TIME * 1000 + CLOCK_SLACK_MS + 1000);
    expect(codeOf(paid(), { notBefore })).toBe('payment_too_old');
  });

  it('tolerates a block time up to the clock slack before the intent', () => {
    const notBefore = new Date(BLOCK_TIME * 1000 + CLOCK_SLACK_MS);
    expect(codeOf(paid(), { notBefore })).toBe('ok');
  });

  it('takes notBefore as the payment instant when the node reports no block time', () => {
    expect(checkPayment(paid({ blockTime: null }), expectation)).toMatchObject({
      ok: true,
      paidAt: expectation.notBefore,
    });
  });

  it('applies the rules in order: failed before reference before not-yours before mint', () => {
    const everythingWrong = paid({
      succeeded: false,
      accountKeys: [PAYER],
      signers: [STRANGER],
      tokenDeltas: [],
    });
    expect(codeOf(everythingWrong)).toBe('payment_failed');
    expect(codeOf({ ...everythingWrong, succeeded: true })).toBe('payment_missing_reference');
    expect(codeOf({ ...everythingWrong, succeeded: true, accountKeys: [REFERENCE] })).toBe(
      'payment_not_yours',
    );
  });

  it('says short rather than too old when both apply', () => {
    const tx = paid({
      blockTime: 1,
      tokenDeltas: [
        { account: 'payerAta', owner: PAYER, mint: MINT, delta: -1n },
        { account: 'treasuryAta', owner: TREASURY, mint: MINT, delta: 1n },
      ],
    });
    expect(codeOf(tx)).toBe('payment_short');
  });

  it('gives a message with each refusal', () => {
    const r = checkPayment(paid({ succeeded: false }), expectation);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/failed/);
  });
});
