const DAY_MS = 86_400_000;

/** The ISO week (Monday 00:00 UTC, seven days) that holds `now`. */
export function weekOf(now: Date): { from: Date; to: Date } {
  const daysSinceMonday = (now.getUTCDay() + 6) % 7;
  const from = new Date(
    Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - daysSinceMonday),
  );
  return { from, to: new Date(from.getTime() + 7 * DAY_MS) };
}
