// Locks in how getTransaction / getSignaturesForAddress results become ObservedTransaction and
// SignatureInfo: raw JSON and kit's bigint-transformed results alike, and malformed shapes refused.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChainResponseError, parseSignatures, parseTransaction } from '../src';

const fixture = (name: string): { result: unknown } =>
  JSON.parse(readFileSync(join(__dirname, 'fixtures', name), 'utf8'));

const PAYER = 'AKnL4NNf3DGWZJS6cPknBuEGnVsV4A4m5tgebLHaRSZ9';
const TREASURY = 'EdmxWPmx2WH6WgFfTdu9xfkYf3k1g5wD1zccTVySEEh1';
const MINT = 'AKkzLhjhyFtM9j7WAhbaqYpFe49cXeJBg2kzLRC2PnNa';
const REFERENCE = '8SFqwqnq4whPhs8icwHA2hQg3hUoN1qrCLK1SBx3WKwe';
const SIG =
  '99eUso3aSbE9tqGSTXzo3TLfKb9RkMTURrHKQ1K7Zh3BbeqPevr5E1iCbpTjqHuTFLtfxTTD5ekfVuZFzQyEQf8';

/** What @solana/kit's default response transformer does: every integer becomes a bigint. */
function asKitResult(value: unknown): unknown {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (Array.isArray(value)) return value.map(asKitResult);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asKitResult(v)]));
  }
  return value;
}

describe('parseTransaction', () => {
  it('reads a jsonParsed v0 payment: signers, static keys and token deltas per account', () => {
    const tx = parseTransaction(SIG, fixture('get-transaction-payment.json').result);
    expect(tx).toEqual({
      signature: SIG,
      slot: 447552007,
      blockTime: 1796179210,
      succeeded: true,
      feePayer: PAYER,
      signers: [PAYER],
      accountKeys: expect.arrayContaining([PAYER, TREASURY, MINT, REFERENCE]),
      tokenDeltas: [
        {
          account: '9hSR6S7WPtxmTojgo6GG3k4yDPecgJY292j7xrsUGWBu',
          owner: PAYER,
          mint: MINT,
          delta: -5_000_000n,
        },
        {
          account: 'GyGKxMyg1p9SsHfm15MkNUu1u9TN2JtTspcdmrtGUdse',
          owner: TREASURY,
          mint: MINT,
          delta: 5_000_000n,
        },
      ],
    });
    expect(tx?.accountKeys).toHaveLength(9);
  });

  it('gives the same answer for the result as @solana/kit returns it (integers as bigint)', () => {
    const raw = fixture('get-transaction-payment.json').result;
    expect(parseTransaction(SIG, asKitResult(raw))).toEqual(parseTransaction(SIG, raw));
  });

  it('marks a transaction that failed at execution and reports no token movement', () => {
    const sig =
      'BUguQsv2ZuHus54HAFzjdJHzZBkygAjKhEeYwSG19tUfUyvvz3worsdQCdAXDNjakJHioSiyxhFiDJrm8XpSXRA';
    const tx = parseTransaction(sig, fixture('get-transaction-failed.json').result);
    expect(tx?.succeeded).toBe(false);
    expect(tx?.tokenDeltas.every((d) => d.delta === 0n)).toBe(true);
  });

  it('reads the json encoding of a legacy transaction from the header and string keys', () => {
    const sig =
      'DojKwxnUhDMfqJr7ryzgD9FKnnNXbz1Axd1nUsCtk5v9NK2UKB3YVjYboRsJbTZiFFgmeRzkqjkkviAGGefeeBC';
    const tx = parseTransaction(sig, fixture('get-transaction-legacy-json.json').result);
    expect(tx?.signers).toEqual([PAYER]);
    expect(tx?.feePayer).toBe(PAYER);
    expect(tx?.accountKeys).toContain(REFERENCE);
    expect(tx?.tokenDeltas.map((d) => d.delta)).toEqual([-5_000_000n, 5_000_000n]);
  });

  it('gives null for a transaction the cluster does not know', () => {
    expect(parseTransaction(SIG, fixture('get-transaction-not-found.json').result)).toBeNull();
  });

  it('counts an account present only after the transaction as starting from zero', () => {
    const result = structuredClone(fixture('get-transaction-payment.json').result) as {
      meta: { preTokenBalances: unknown[] };
    };
    result.meta.preTokenBalances = result.meta.preTokenBalances.slice(0, 1);
    const tx = parseTransaction(SIG, result);
    expect(tx?.tokenDeltas[1]).toMatchObject({ owner: TREASURY, delta: 5_000_000n });
  });

  it('excludes lookup-table keys from accountKeys but still indexes token balances over them', () => {
    const result = structuredClone(fixture('get-transaction-payment.json').result) as {
      transaction: { message: { accountKeys: { pubkey: string; source: string }[] } };
    };
    const key = result.transaction.message.accountKeys[6];
    if (key) key.source = 'lookupTable';
    const tx = parseTransaction(SIG, result);
    expect(tx?.accountKeys).not.toContain(REFERENCE);
    expect(tx?.tokenDeltas).toHaveLength(2);
  });

  it.each([
    ['a result that is not an object', () => 'oops'],
    ['a missing meta', (r: Record<string, unknown>) => ({ ...r, meta: undefined })],
    [
      'another transaction than asked for',
      (r: Record<string, unknown>) => ({
        ...r,
        transaction: { ...(r['transaction'] as object), signatures: ['x'] },
      }),
    ],
    ['a non-integer slot', (r: Record<string, unknown>) => ({ ...r, slot: 1.5 })],
    [
      'a token amount that is not a decimal string',
      (r: Record<string, unknown>) => {
        const c = structuredClone(r) as {
          meta: { postTokenBalances: { uiTokenAmount: { amount: unknown } }[] };
        };
        const first = c.meta.postTokenBalances[0];
        if (first) first.uiTokenAmount.amount = 95;
        return c;
      },
    ],
    [
      'an accountIndex out of range',
      (r: Record<string, unknown>) => {
        const c = structuredClone(r) as { meta: { postTokenBalances: { accountIndex: number }[] } };
        const first = c.meta.postTokenBalances[0];
        if (first) first.accountIndex = 99;
        return c;
      },
    ],
    [
      'an account key without pubkey',
      (r: Record<string, unknown>) => {
        const c = structuredClone(r) as { transaction: { message: { accountKeys: unknown[] } } };
        c.transaction.message.accountKeys[0] = { signer: true };
        return c;
      },
    ],
  ])('throws ChainResponseError on %s', (_name, mangle) => {
    const raw = fixture('get-transaction-payment.json').result as Record<string, unknown>;
    expect(() => parseTransaction(SIG, mangle(raw))).toThrow(ChainResponseError);
  });
});

describe('parseSignatures', () => {
  it('reads getSignaturesForAddress entries in the order given (newest first)', () => {
    expect(parseSignatures(fixture('get-signatures-for-address.json').result)).toEqual([
      {
        signature: expect.stringMatching(/^BUgu/),
        failed: true,
        blockTime: 1796179215,
        slot: 447552009,
      },
      { signature: SIG, failed: false, blockTime: 1796179210, slot: 447552007 },
      {
        signature: expect.stringMatching(/^DojK/),
        failed: false,
        blockTime: null,
        slot: 447551000,
      },
    ]);
  });

  it('accepts kit bigints and refuses a non-array', () => {
    const raw = fixture('get-signatures-for-address.json').result;
    expect(parseSignatures(asKitResult(raw))).toEqual(parseSignatures(raw));
    expect(() => parseSignatures({})).toThrow(ChainResponseError);
  });
});
