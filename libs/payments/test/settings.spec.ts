import { parsePaymentEnv } from '../src/index';

const MINT = '8pTTJgG3i96yEYgeqy1idNhvZEBmv82r7pTYNLWFopXt';
const TREASURY = '4B1xR9iFi6aW6VzC9HRE3G1owMrcpFHsLk1bLe2RTBSz';
const rpc = {
  PAYMENT_CHAIN: 'rpc',
  SOLANA_RPC_URL: 'https://api.devnet.solana.com',
  PAYMENT_MINT: MINT,
  PAYMENT_TREASURY: TREASURY,
};

describe('parsePaymentEnv', () => {
  it('is off unless PAYMENT_CHAIN=rpc, whatever else is set', () => {
    expect(parsePaymentEnv({}, 6)).toEqual({ config: { enabled: false }, problems: [] });
    expect(parsePaymentEnv({ PAYMENT_MINT: 'nonsense-but-unused' }, 6).config).toEqual({
      enabled: false,
    });
  });

  it('reads an rpc environment with the defaults of the design', () => {
    const { config, problems } = parsePaymentEnv(rpc, 6);
    expect(problems).toEqual([]);
    if (!config.enabled) throw new Error('expected payments on');
    expect(config).toMatchObject({
      rpcUrl: 'https://api.devnet.solana.com',
      commitment: 'confirmed',
      cluster: 'mainnet-beta',
      mint: MINT,
      treasury: TREASURY,
      decimals: 6,
      symbol: 'PARDON',
      intentTtlMs: 600_000,
      localFaucetUrl: undefined,
    });
    // Production's nine services, prices in base units of a 6-decimal token.
    expect(Object.keys(config.catalogue.services)).toHaveLength(9);
    expect(config.catalogue.services['pardon_recommendation']?.price).toEqual({
      kind: 'fixed',
      amount: 10_000_000_000n,
    });
  });

  it('names every missing or bad setting at once', () => {
    expect(parsePaymentEnv({ PAYMENT_CHAIN: 'rpc' }, 6).problems).toEqual([
      'SOLANA_RPC_URL: required with PAYMENT_CHAIN=rpc',
      'PAYMENT_MINT: required with PAYMENT_CHAIN=rpc',
      'PAYMENT_TREASURY: required with PAYMENT_CHAIN=rpc',
    ]);
    expect(
      parsePaymentEnv({ ...rpc, SOLANA_COMMITMENT: 'eventually', PAYMENT_TREASURY: 'x' }, 6)
        .problems,
    ).toEqual([
      expect.stringMatching(/^SOLANA_COMMITMENT: /),
      'PAYMENT_TREASURY: PAYMENT_TREASURY must be a base58 Solana address',
    ]);
  });

  it('takes a catalogue as JSON and refuses a broken one with the bad path', () => {
    const catalogue = {
      version: 1,
      maxTokens: 100_000,
      services: {
        tip: {
          label: 'Tip',
          description: 'A small thank you',
          price: { kind: 'variable', minTokens: 5 },
          usage: { kind: 'unlimited' },
        },
      },
    };
    const ok = parsePaymentEnv({ ...rpc, PREMIUM_CATALOGUE: JSON.stringify(catalogue) }, 2);
    expect(ok.problems).toEqual([]);
    if (!ok.config.enabled) throw new Error('expected payments on');
    expect(ok.config.catalogue.services['tip']?.price).toEqual({ kind: 'variable', minimum: 500n });

    const broken = {
      ...catalogue,
      services: { tip: { ...catalogue.services.tip, price: { kind: 'variable', minTokens: 0.5 } } },
    };
    const bad = parsePaymentEnv({ ...rpc, PREMIUM_CATALOGUE: JSON.stringify(broken) }, 6);
    expect(bad.config).toEqual({ enabled: false });
    expect(bad.problems).toEqual([
      expect.stringMatching(/^PREMIUM_CATALOGUE: .*services\.tip\.price/),
    ]);
    expect(parsePaymentEnv({ ...rpc, PREMIUM_CATALOGUE: '{not json' }, 6).problems).toEqual([
      expect.stringMatching(/^PREMIUM_CATALOGUE: /),
    ]);
  });
});
