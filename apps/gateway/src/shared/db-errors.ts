// libs/db raises DatabaseUnavailableError once its retries are spent; connection-level errors that
// escape it (pg LISTEN client, health probe) carry the usual socket or SQLSTATE codes.
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08001',
  '08003',
  '08006',
]);

/** True for errors that mean "the database cannot be reached now", as opposed to bad input. */
export function isDatabaseUnavailable(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e && typeof e === 'object'; depth++) {
    const o = e as { name?: unknown; code?: unknown; cause?: unknown };
    if (o.name === 'DatabaseUnavailableError') return true;
    if (typeof o.code === 'string' && UNAVAILABLE_CODES.has(o.code)) return true;
    e = o.cause;
  }
  return false;
}
