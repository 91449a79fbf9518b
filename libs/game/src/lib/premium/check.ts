import { GameInputError } from '../errors';
import { formatTokenAmount } from '../rules';
import { premiumService, type PremiumCatalogue, type PremiumCatalogueEntry } from './catalogue';

/** What the player already did with one service this week (the caller counts verified payments). */
export interface PremiumUsage {
  /** Verified purchases of this service by the player this week. */
  readonly purchasesThisWeek: number;
  /** Messages the player sent since the last verified purchase of it this week; null if none. */
  readonly messagesSinceLastPurchase: number | null;
}

export type PremiumRefusalCode =
  | 'unknown_service'
  | 'amount_required'
  /** An amount was given for a fixed-price service and it is not the price. */
  | 'amount_not_allowed'
  | 'amount_below_minimum'
  | 'amount_too_large'
  | 'service_used_this_week'
  | 'service_cooling_down';

export type PremiumCheck =
  | { readonly ok: true; readonly amount: bigint; readonly entry: PremiumCatalogueEntry }
  | { readonly ok: false; readonly code: PremiumRefusalCode; readonly message: string };

function refuse(code: PremiumRefusalCode, message: string): PremiumCheck {
  return { ok: false, code, message };
}

function checkUsage(usage: PremiumUsage): void {
  const { purchasesThisWeek: n, messagesSinceLastPurchase: m } = usage;
  if (!Number.isSafeInteger(n) || n < 0 || (m !== null && (!Number.isSafeInteger(m) || m < 0))) {
    throw new GameInputError(
      'invalid_rules',
      'premium usage: purchasesThisWeek and messagesSinceLastPurchase must be integers ≥ 0',
    );
  }
}

/**
 * Whether the player may buy `service` now, and for how much (base units): a fixed price is
 * charged as is (an amount, if given, must equal it); a variable price needs an amount from its
 * minimum to the catalogue's cap. Then the service's usage rule: once per week, or a cooldown of
 * N messages since the last purchase. Refusals are values with a code and a sentence for the
 * player; only a malformed `usage` (negative counts) throws.
 */
export function checkPremiumRequest(
  catalogue: PremiumCatalogue,
  service: string,
  amount: bigint | undefined,
  usage: PremiumUsage,
): PremiumCheck {
  checkUsage(usage);
  const entry = premiumService(catalogue, service);
  if (!entry) return refuse('unknown_service', `There is no premium service "${service}".`);
  const tokens = (units: bigint) => `${formatTokenAmount(units, catalogue.decimals)} tokens`;

  let charged: bigint;
  if (entry.price.kind === 'fixed') {
    if (amount !== undefined && amount !== entry.price.amount) {
      return refuse(
        'amount_not_allowed',
        `${entry.label} has a fixed price of ${tokens(entry.price.amount)}.`,
      );
    }
    charged = entry.price.amount;
  } else {
    if (amount === undefined) {
      return refuse(
        'amount_required',
        `${entry.label} needs an amount of at least ${tokens(entry.price.minimum)}.`,
      );
    }
    if (amount < entry.price.minimum) {
      return refuse(
        'amount_below_minimum',
        `${entry.label} is at least ${tokens(entry.price.minimum)}.`,
      );
    }
    charged = amount;
  }
  if (charged > catalogue.maxAmount) {
    return refuse('amount_too_large', `One payment is at most ${tokens(catalogue.maxAmount)}.`);
  }

  const rule = entry.usage;
  if (rule.kind === 'once_per_week' && usage.purchasesThisWeek > 0) {
    return refuse(
      'service_used_this_week',
      `${entry.label} can be bought once a week, and you already did.`,
    );
  }
  if (
    rule.kind === 'cooldown' &&
    usage.purchasesThisWeek > 0 &&
    usage.messagesSinceLastPurchase !== null &&
    usage.messagesSinceLastPurchase < rule.messages
  ) {
    const left = rule.messages - usage.messagesSinceLastPurchase;
    return refuse(
      'service_cooling_down',
      `${entry.label} is available again after ${left} more message${left === 1 ? '' : 's'}.`,
    );
  }
  return { ok: true, amount: charged, entry };
}
