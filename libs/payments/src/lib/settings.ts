import {
  DEFAULT_PREMIUM_CATALOGUE,
  loadPremiumCatalogue,
  type PremiumCatalogue,
} from '@pardon/game';
import { isAddress, type Commitment } from '@pardon/solana';
import { z } from 'zod';

export const CLUSTERS = ['local', 'devnet', 'testnet', 'mainnet-beta'] as const;
export type Cluster = (typeof CLUSTERS)[number];

/** Payments as one environment configures them (the gateway's and the cron-worker's). */
export interface PaymentSettings {
  readonly enabled: true;
  readonly rpcUrl: string;
  readonly commitment: Commitment;
  readonly cluster: Cluster;
  readonly mint: string;
  readonly treasury: string;
  readonly decimals: number;
  readonly symbol: string;
  readonly intentTtlMs: number;
  /** How long after expiry an intent's reference is still scanned for a late transfer. */
  readonly lateWindowMs: number;
  readonly catalogue: PremiumCatalogue;
  /** The local chain's faucet (`npm start`, tests): the page's local test wallet is funded there. */
  readonly localFaucetUrl: string | undefined;
}

export type PaymentConfig = PaymentSettings | { readonly enabled: false };

const optional = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));
const address = (name: string) =>
  optional.refine(
    (v) => v === undefined || isAddress(v),
    `${name} must be a base58 Solana address`,
  );
const int = (def: number, min: number) => z.coerce.number().int().min(min).default(def);

/** The payment variables; `PAYMENT_CHAIN=off` (the default) turns premium services off. */
export const PaymentEnvSchema = z.object({
  PAYMENT_CHAIN: z.enum(['off', 'rpc']).default('off'),
  SOLANA_RPC_URL: optional.pipe(z.url().optional()),
  SOLANA_COMMITMENT: z.enum(['processed', 'confirmed', 'finalized']).default('confirmed'),
  PAYMENT_CLUSTER: z.enum(CLUSTERS).default('mainnet-beta'),
  PAYMENT_MINT: address('PAYMENT_MINT'),
  PAYMENT_TREASURY: address('PAYMENT_TREASURY'),
  PAYMENT_SYMBOL: z.string().min(1).max(16).default('PARDON'),
  PAYMENT_INTENT_TTL_MS: int(600_000, 10_000),
  PAYMENT_LATE_WINDOW_MS: int(86_400_000, 0),
  // JSON text of a catalogue (libs/game PremiumCatalogueSchema); production's nine by default.
  PREMIUM_CATALOGUE: optional,
  PAYMENT_LOCAL_FAUCET_URL: optional.pipe(z.url().optional()),
});

/**
 * Reads the payment settings; `problems` names every bad variable (the caller fails its start
 * with them). The token's decimals are the game's (`GAME_TOKEN_DECIMALS`): prizes and prices
 * are in the same token.
 */
export function parsePaymentEnv(
  env: NodeJS.ProcessEnv,
  decimals: number,
): { config: PaymentConfig; problems: string[] } {
  const parsed = PaymentEnvSchema.safeParse(env);
  if (!parsed.success) {
    return {
      config: { enabled: false },
      problems: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    };
  }
  const e = parsed.data;
  if (e.PAYMENT_CHAIN === 'off') return { config: { enabled: false }, problems: [] };
  const problems: string[] = [];
  for (const name of ['SOLANA_RPC_URL', 'PAYMENT_MINT', 'PAYMENT_TREASURY'] as const) {
    if (e[name] === undefined) problems.push(`${name}: required with PAYMENT_CHAIN=rpc`);
  }
  let catalogue: PremiumCatalogue | undefined;
  try {
    const json: unknown =
      e.PREMIUM_CATALOGUE === undefined
        ? DEFAULT_PREMIUM_CATALOGUE
        : JSON.parse(e.PREMIUM_CATALOGUE);
    catalogue = loadPremiumCatalogue(json, decimals);
  } catch (err) {
    problems.push(`PREMIUM_CATALOGUE: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (problems.length > 0 || catalogue === undefined)
    return { config: { enabled: false }, problems };
  return {
    config: {
      enabled: true,
      rpcUrl: e.SOLANA_RPC_URL as string,
      commitment: e.SOLANA_COMMITMENT,
      cluster: e.PAYMENT_CLUSTER,
      mint: e.PAYMENT_MINT as string,
      treasury: e.PAYMENT_TREASURY as string,
      decimals,
      symbol: e.PAYMENT_SYMBOL,
      intentTtlMs: e.PAYMENT_INTENT_TTL_MS,
      lateWindowMs: e.PAYMENT_LATE_WINDOW_MS,
      catalogue,
      localFaucetUrl: e.PAYMENT_LOCAL_FAUCET_URL,
    },
    problems: [],
  };
}
