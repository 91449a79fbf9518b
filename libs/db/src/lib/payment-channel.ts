import { z } from 'zod';

/**
 * PostgreSQL NOTIFY channel on which a stored payment request announces itself (in the
 * transaction that stores it), so the task holding the player's event stream can show the card
 * even when the agent asked on another task. Settlements announce themselves on GAME_CHANNEL
 * with their score (`kind: 'payment'`).
 */
export const PAYMENTS_CHANNEL = 'pardon_payments';

const PaymentRequestEventSchema = z.object({
  kind: z.literal('request'),
  intentId: z.string(),
  threadId: z.string(),
  /** The `announceAs` of the request: a task skips its own announcements. */
  origin: z.string().nullable(),
});

export type PaymentRequestEvent = z.infer<typeof PaymentRequestEventSchema>;

/** The NOTIFY payload of a payment request, or undefined when it is not one. */
export function decodePaymentRequestEvent(payload: string): PaymentRequestEvent | undefined {
  try {
    const parsed = PaymentRequestEventSchema.safeParse(JSON.parse(payload));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
