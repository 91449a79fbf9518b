import { z } from 'zod';
import { GameInputError } from '../errors';
import { tokensToBaseUnits } from '../rules';

/**
 * How often a service may be bought and what a repeat is worth:
 * - `once_per_week`: one purchase per player and week;
 * - `cooldown`: again only after the player sent `messages` messages since the last purchase;
 * - `diminishing`: always, but the n-th purchase of the week earns `factorsBps[n − 1]` of the
 *   bonus (basis points; the last factor applies to every purchase after it);
 * - `unlimited`: always, full bonus.
 */
export type PremiumUsageRule =
  | { readonly kind: 'once_per_week' }
  | { readonly kind: 'cooldown'; readonly messages: number }
  | { readonly kind: 'diminishing'; readonly factorsBps: readonly number[] }
  | { readonly kind: 'unlimited' };

const wholeTokens = z
  .number()
  .int('must be a whole number of tokens')
  .positive('must be at least 1 token')
  .max(Number.MAX_SAFE_INTEGER);

const UsageRuleSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('once_per_week') }),
  z.strictObject({
    kind: z.literal('cooldown'),
    messages: z.number().int().min(1).max(10_000),
  }),
  z.strictObject({
    kind: z.literal('diminishing'),
    factorsBps: z
      .array(z.number().int().min(0).max(10_000))
      .min(1)
      .max(100)
      .refine((f) => f.every((x, i) => i === 0 || x <= (f[i - 1] as number)), {
        message: 'factors must not increase',
      }),
  }),
  z.strictObject({ kind: z.literal('unlimited') }),
]);

const PriceSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('fixed'), tokens: wholeTokens }),
  z.strictObject({ kind: z.literal('variable'), minTokens: wholeTokens }),
]);

const ServiceSchema = z.strictObject({
  label: z.string().trim().min(1).max(80),
  /** One line, shown to the player and to the agents. */
  description: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .refine((d) => !/[\r\n]/.test(d), { message: 'must be one line' }),
  price: PriceSchema,
  usage: UsageRuleSchema,
});

const SERVICE_ID = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * The premium catalogue as configured (JSON): prices in whole tokens, integers only. Versioned,
 * so a stored payment intent can name the catalogue it was priced with. `maxTokens` caps what a
 * variable-price service accepts in one payment.
 */
export const PremiumCatalogueSchema = z
  .strictObject({
    version: z.literal(1),
    maxTokens: wholeTokens,
    services: z
      .record(
        z.string().regex(SERVICE_ID, 'service ids are lower_snake_case, at most 64 chars'),
        ServiceSchema,
      )
      .refine((s) => Object.keys(s).length > 0, { message: 'at least one service' }),
  })
  .superRefine((catalogue, ctx) => {
    for (const [id, service] of Object.entries(catalogue.services)) {
      const tokens =
        service.price.kind === 'fixed' ? service.price.tokens : service.price.minTokens;
      if (tokens > catalogue.maxTokens) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', id, 'price'],
          message: `the price is above maxTokens (${catalogue.maxTokens})`,
        });
      }
    }
  });

/** The catalogue's configuration, in whole tokens (the JSON an operator writes). */
export type PremiumCatalogueConfig = z.infer<typeof PremiumCatalogueSchema>;

/** A service's price in base units of the token. */
export type PremiumPrice =
  | { readonly kind: 'fixed'; readonly amount: bigint }
  | { readonly kind: 'variable'; readonly minimum: bigint };

/** One service of a loaded catalogue. */
export interface PremiumCatalogueEntry {
  readonly service: string;
  readonly label: string;
  readonly description: string;
  readonly price: PremiumPrice;
  readonly usage: PremiumUsageRule;
}

/** A validated catalogue with amounts in base units (`loadPremiumCatalogue`). */
export interface PremiumCatalogue {
  readonly version: 1;
  readonly decimals: number;
  /** The most one payment may be, in base units. */
  readonly maxAmount: bigint;
  /** Services by id (own properties only: read them with `premiumService`). */
  readonly services: Readonly<Record<string, PremiumCatalogueEntry>>;
}

const diminishing = () => ({ kind: 'diminishing' as const, factorsBps: [10_000, 5_000, 2_500] });

/**
 * Production's nine services and prices (elevenyellow/pardon-simulator,
 * `website/src/lib/premium-services/premium-services.json.example`). Production keeps which
 * service has which usage rule in a private `service-limits.json` (fetched from S3; services it
 * does not list are fully repeatable), so the rules below are this platform's choice, with
 * production's four kinds of limit (one_time, cooldown, diminishing, repeatable) and its 100 /
 * 50 / 25 % diminishing factors. Differences from production: a cooldown counts messages only
 * (production also accepts "or N points gained"), usage is counted per player, service and week
 * (production's is also per agent), and the agents' prompt text in `x402_payment_tools.py` lists
 * other minimums (gift 5,000, campaign_contribution 1,000) than the website's pricing file used
 * here. `maxTokens` (1,000,000) is this platform's cap; production has none.
 */
export const DEFAULT_PREMIUM_CATALOGUE: PremiumCatalogueConfig = deepFreeze({
  version: 1,
  maxTokens: 1_000_000,
  services: {
    insider_info: {
      label: 'Insider info',
      description: 'A piece of exclusive information about the people who decide on the pardon.',
      price: { kind: 'fixed', tokens: 1_000 },
      usage: diminishing(),
    },
    strategy_advice: {
      label: 'Strategy advice',
      description: 'Advice on how to approach the next agent and what they want to hear.',
      price: { kind: 'fixed', tokens: 2_500 },
      usage: { kind: 'cooldown', messages: 5 },
    },
    connection_intro: {
      label: 'Connection intro',
      description: 'An introduction to another agent, who then expects to hear from you.',
      price: { kind: 'fixed', tokens: 4_000 },
      usage: { kind: 'cooldown', messages: 10 },
    },
    private_deal: {
      label: 'Private deal',
      description: 'A private arrangement with the agent, off the record.',
      price: { kind: 'fixed', tokens: 6_000 },
      usage: { kind: 'once_per_week' },
    },
    pardon_recommendation: {
      label: 'Pardon recommendation',
      description: 'The agent recommends your pardon to the President.',
      price: { kind: 'fixed', tokens: 10_000 },
      usage: { kind: 'once_per_week' },
    },
    donation: {
      label: 'Donation',
      description: 'A donation of your choice to the cause, from 1,000 PARDON.',
      price: { kind: 'variable', minTokens: 1_000 },
      usage: diminishing(),
    },
    bribe: {
      label: 'Bribe',
      description: 'An envelope for influence and favours, from 7,500 PARDON.',
      price: { kind: 'variable', minTokens: 7_500 },
      usage: { kind: 'once_per_week' },
    },
    campaign_contribution: {
      label: 'Campaign contribution',
      description: 'Political support for the campaign, from 2,500 PARDON.',
      price: { kind: 'variable', minTokens: 2_500 },
      usage: diminishing(),
    },
    gift: {
      label: 'Gift',
      description: 'A goodwill gesture of your choice, from 1,000 PARDON.',
      price: { kind: 'variable', minTokens: 1_000 },
      usage: diminishing(),
    },
  },
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The error of a catalogue that does not validate: `issues` names each bad path. */
export class PremiumCatalogueError extends GameInputError {
  constructor(readonly issues: readonly string[]) {
    super('invalid_rules', `bad premium catalogue: ${issues.join('; ')}`);
  }
}

/**
 * Validates a catalogue configuration (parsed JSON, e.g. from a file or the environment) and
 * converts its whole-token prices to base units of a token with `decimals` decimals. Throws
 * `PremiumCatalogueError` listing every bad path (`services.bribe.price.minTokens: …`).
 */
export function loadPremiumCatalogue(json: unknown, decimals: number): PremiumCatalogue {
  const parsed = PremiumCatalogueSchema.safeParse(json);
  if (!parsed.success) {
    throw new PremiumCatalogueError(
      parsed.error.issues.map(
        (issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`,
      ),
    );
  }
  const units = (tokens: number) => tokensToBaseUnits(BigInt(tokens), decimals);
  const services: Record<string, PremiumCatalogueEntry> = {};
  for (const [service, s] of Object.entries(parsed.data.services)) {
    services[service] = deepFreeze({
      service,
      label: s.label,
      description: s.description,
      price:
        s.price.kind === 'fixed'
          ? { kind: 'fixed', amount: units(s.price.tokens) }
          : { kind: 'variable', minimum: units(s.price.minTokens) },
      usage: s.usage,
    });
  }
  return deepFreeze({
    version: parsed.data.version,
    decimals,
    maxAmount: units(parsed.data.maxTokens),
    services,
  });
}

/** The catalogue's entry for a service id, or undefined (own properties only: no `constructor`). */
export function premiumService(
  catalogue: PremiumCatalogue,
  service: string,
): PremiumCatalogueEntry | undefined {
  return Object.hasOwn(catalogue.services, service) ? catalogue.services[service] : undefined;
}
