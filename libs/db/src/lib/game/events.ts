import { z } from 'zod';

/**
 * PostgreSQL NOTIFY channel on which a stored evaluation (or verified premium payment) announces itself, in its own
 * transaction (delivered when, and only if, it commits), so every gateway task can push the
 * score to the player's event streams it holds. The payload is small and public to the player.
 */
export const GAME_CHANNEL = 'pardon_game';

const GameEventSchema = z.object({
  threadId: z.string(),
  messageId: z.string(),
  agentId: z.string(),
  weekId: z.string(),
  points: z.number(),
  score: z.number(),
  reason: z.string(),
  pardonGranted: z.boolean(),
  finalScore: z.number().nullable(),
  pardonGrantedAt: z.number().nullable(),
  /** The `announceAs` of the evaluation: a task skips its own announcements. */
  origin: z.string().nullable(),
  /**
   * What moved the score; absent means an evaluation (events from before payments). For a
   * payment, `messageId` is its system message in the thread ('' when the thread was closed),
   * `points` its bonus awarded and `reason` the line of that message.
   */
  kind: z.enum(['evaluation', 'payment']).optional(),
  /** A payment's service and id. */
  service: z.string().optional(),
  paymentId: z.string().optional(),
});

/** An evaluation (or a verified premium payment) as the player's streams show it. */
export type GameEvent = z.infer<typeof GameEventSchema>;

/** The NOTIFY payload of an evaluation, or undefined when it is not one. */
export function decodeGameEvent(payload: string): GameEvent | undefined {
  try {
    const parsed = GameEventSchema.safeParse(JSON.parse(payload));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
