import { z } from 'zod';
import { DEFAULT_GAME_RULES, tokensToBaseUnits, type GameRules, type WeekStart } from './rules';

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** `mon 14:00` → Monday 14:00 UTC; undefined when the text is not a weekday and a UTC time. */
export function parseWeekStart(text: string): WeekStart | undefined {
  const m = /^(sun|mon|tue|wed|thu|fri|sat)\s+([01]\d|2[0-3]):([0-5]\d)$/i.exec(text.trim());
  if (!m) return undefined;
  return {
    weekdayUtc: WEEKDAYS.indexOf((m[1] as string).toLowerCase()),
    hourUtc: Number(m[2]),
    minuteUtc: Number(m[3]),
  };
}

const int = (def: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(def);

/**
 * The game's settings as every process reads them from its environment (the gateway and the
 * cron-worker must agree on weeks and prizes): `GAME_WEEK_START` (`mon 14:00`, UTC),
 * `GAME_PRIZE_POOL_TOKENS`, `GAME_TOKEN_DECIMALS`, `GAME_BOARD_SIZE`. Parses into `GameRules`.
 */
export const GameEnvSchema = z
  .object({
    GAME_WEEK_START: z
      .string()
      .default('mon 14:00')
      .transform((v, ctx) => {
        const start = parseWeekStart(v);
        if (start) return start;
        ctx.addIssue({
          code: 'custom',
          message: 'must look like "mon 14:00" (a weekday and UTC time)',
        });
        return z.NEVER;
      }),
    GAME_PRIZE_POOL_TOKENS: int(10_000, 0, Number.MAX_SAFE_INTEGER),
    GAME_TOKEN_DECIMALS: int(6, 0, 18),
    GAME_BOARD_SIZE: int(100, 1, 1000),
  })
  .transform((e): GameRules => ({
    ...DEFAULT_GAME_RULES,
    weekStart: e.GAME_WEEK_START,
    boardSize: e.GAME_BOARD_SIZE,
    tokenDecimals: e.GAME_TOKEN_DECIMALS,
    prizePoolBaseUnits: tokensToBaseUnits(BigInt(e.GAME_PRIZE_POOL_TOKENS), e.GAME_TOKEN_DECIMALS),
  }));
