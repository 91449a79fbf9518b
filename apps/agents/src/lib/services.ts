import { z } from 'zod';

// The premium catalogue's ids as the agents know them (no imports of the agent's other modules:
// personas.ts reads it). Prices, labels and usage limits are the gateway's.

/** Production's nine services (elevenyellow/pardon-simulator `premium-services.json.example`). */
export const PREMIUM_SERVICES = [
  'insider_info',
  'strategy_advice',
  'connection_intro',
  'private_deal',
  'pardon_recommendation',
  'donation',
  'bribe',
  'campaign_contribution',
  'gift',
] as const;
export const PremiumServiceSchema = z.enum(PREMIUM_SERVICES);
export type PremiumService = z.infer<typeof PremiumServiceSchema>;

/** Variable-price services and their minimum, in whole PARDON tokens. */
export const VARIABLE_MINIMUM_TOKENS: Readonly<Partial<Record<PremiumService, number>>> = {
  donation: 1_000,
  bribe: 7_500,
  campaign_contribution: 2_500,
  gift: 1_000,
};

export function isVariableService(service: string): boolean {
  return Object.hasOwn(VARIABLE_MINIMUM_TOKENS, service);
}

/** Base units (6 decimals) as whole tokens for people: `4000000000` → `4,000 PARDON`. */
export function formatBaseUnits(amount: string, decimals = 6): string {
  const units = BigInt(amount);
  const scale = 10n ** BigInt(decimals);
  const whole = (units / scale).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const rest = units % scale;
  const fraction =
    rest === 0n ? '' : `.${rest.toString().padStart(decimals, '0').replace(/0+$/, '')}`;
  return `${whole}${fraction} PARDON`;
}
