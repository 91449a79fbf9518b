/** Milliseconds in one minute, for readable thresholds (`30 * MINUTE_MS`). */
export const MINUTE_MS = 60_000;
/** Milliseconds in one hour. */
export const HOUR_MS = 60 * MINUTE_MS;

const UNIT_MS = { ms: 1, s: 1_000, m: MINUTE_MS, h: HOUR_MS } as const;
const DURATION = /^(\d+)(ms|s|m|h)?$/;

/**
 * Parses a duration written as `500ms`, `30s`, `15m`, `1h` or bare milliseconds (`900000`), the form
 * environment variables carry. Returns milliseconds, or `null` when the text is not a positive
 * whole duration, so callers can say what they expected instead.
 */
export function parseDurationMs(text: string): number | null {
  const match = DURATION.exec(text.trim());
  if (!match) return null;
  const unit = (match[2] ?? 'ms') as keyof typeof UNIT_MS;
  const ms = Number(match[1]) * UNIT_MS[unit];
  return Number.isSafeInteger(ms) && ms > 0 ? ms : null;
}
