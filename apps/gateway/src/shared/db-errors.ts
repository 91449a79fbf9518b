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

/**
 * True when the error is the client's own connection ending mid-request (a hang-up during the
 * upload: Node's `aborted`, code ECONNRESET, on the request stream), not the database's: the
 * same socket code must not read as an outage.
 */
export function isClientDisconnect(
  err: unknown,
  raw: { readableAborted?: boolean; socket?: { destroyed?: boolean } | null },
): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (code !== 'ECONNRESET' && code !== 'ECONNABORTED') {
    if ((err as { message?: unknown } | null)?.message !== 'aborted') return false;
  }
  return raw.readableAborted === true || raw.socket?.destroyed === true;
}
