import { DEFAULT_PREMIUM_CATALOGUE } from '@pardon/game';
import { z } from 'zod';

// The premium catalogue's ids as the agents know them (no imports of the agent's other modules:
// personas.ts reads it). The catalogue itself is libs/game's; the gateway's (PREMIUM_CATALOGUE)
// decides prices, labels and usage limits, and refuses what it does not sell.

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

/** Variable-price services and their minimum, in whole PARDON tokens (libs/game's default catalogue). */
export const VARIABLE_MINIMUM_TOKENS: Readonly<Partial<Record<PremiumService, number>>> =
  Object.fromEntries(
    Object.entries(DEFAULT_PREMIUM_CATALOGUE.services).flatMap(([id, entry]) =>
      entry.price.kind === 'variable' ? [[id, Number(entry.price.minTokens)]] : [],
    ),
  );

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
