import { GameInputError } from './errors';
import { DEFAULT_GAME_RULES, validateGameRules, type GameRules } from './rules';

/** One competition week: [startMs, endMs), with its id. */
export interface Week {
  /** The start instant, ISO with minutes and `Z`: `2026-11-30T14:00Z`. */
  readonly id: string;
  readonly startMs: number;
  /** Exclusive: the next week's start. */
  readonly endMs: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Weeks are counted in UTC, so every week is exactly this long. */
export const WEEK_MS = 7 * DAY_MS;

// The latest instant whose week id still has a four-digit year (9999-12-24 and before).
const MAX_INSTANT_MS = Date.UTC(9999, 11, 24);
// 1970-01-04 was a Sunday: weekday 0 of `Date#getUTCDay`.
const FIRST_SUNDAY_MS = Date.UTC(1970, 0, 4);
const WEEK_ID = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})Z$/;

function checkInstant(instantMs: number): void {
  if (!Number.isSafeInteger(instantMs) || instantMs < 0 || instantMs > MAX_INSTANT_MS) {
    throw new GameInputError(
      'invalid_instant',
      `an instant is integer ms since 1970-01-01 up to 9999-12-24, got ${instantMs}`,
    );
  }
}

/** Any week start under the rules; the others are whole weeks away from it. */
function anchorMs(rules: GameRules): number {
  const { weekdayUtc, hourUtc, minuteUtc } = rules.weekStart;
  return FIRST_SUNDAY_MS + weekdayUtc * DAY_MS + (hourUtc * 60 + minuteUtc) * MINUTE_MS;
}

/** The id of the week starting at `startMs`: ISO 8601 to the minute, in UTC. */
export function formatWeekId(startMs: number): string {
  return `${new Date(startMs).toISOString().slice(0, 16)}Z`;
}

function weekAt(startMs: number): Week {
  return { id: formatWeekId(startMs), startMs, endMs: startMs + WEEK_MS };
}

/**
 * The week an instant belongs to. The start instant itself opens the new week; one millisecond
 * before it is still the previous week.
 */
export function weekOf(instantMs: number, rules: GameRules = DEFAULT_GAME_RULES): Week {
  validateGameRules(rules);
  checkInstant(instantMs);
  const anchor = anchorMs(rules);
  return weekAt(anchor + Math.floor((instantMs - anchor) / WEEK_MS) * WEEK_MS);
}

/**
 * The week with id `id`. Throws `invalid_week_id` for anything but a canonical id of a week
 * start under these rules (a Tuesday, `14:00:00Z`, a week number or 2026-02-30 all fail), so an
 * id from a URL can be trusted once parsed.
 */
export function parseWeekId(id: string, rules: GameRules = DEFAULT_GAME_RULES): Week {
  validateGameRules(rules);
  const m = typeof id === 'string' ? WEEK_ID.exec(id) : null;
  const startMs = m
    ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]))
    : NaN;
  // Date.UTC rolls 02-30 over into March; the round trip catches it.
  if (!m || Number.isNaN(startMs) || formatWeekId(startMs) !== id) {
    throw new GameInputError(
      'invalid_week_id',
      `not a week id (like 2026-11-30T14:00Z): ${String(id)}`,
    );
  }
  if (weekOf(startMs, rules).startMs !== startMs) {
    throw new GameInputError('invalid_week_id', `${id} is not a week start under these rules`);
  }
  return weekAt(startMs);
}

/** The week after `week` (an id or a parsed week). */
export function nextWeek(week: Week | string, rules: GameRules = DEFAULT_GAME_RULES): Week {
  const current = typeof week === 'string' ? parseWeekId(week, rules) : parseWeekId(week.id, rules);
  return weekOf(current.endMs, rules);
}

/** The week before `week` (an id or a parsed week). */
export function previousWeek(week: Week | string, rules: GameRules = DEFAULT_GAME_RULES): Week {
  const current = typeof week === 'string' ? parseWeekId(week, rules) : parseWeekId(week.id, rules);
  return weekOf(current.startMs - 1, rules);
}
