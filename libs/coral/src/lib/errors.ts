/**
 * Why a bus operation was refused. The tool layer turns a `CoralError` into Coral's
 * `{result: 'error', message}` (plus `code`); the gateway maps codes to HTTP statuses.
 */
export const CORAL_ERROR_CODES = [
  'thread_not_found',
  'thread_closed',
  'thread_exists',
  'not_participant',
  'already_participant',
  'unknown_agent',
  'invalid_mention',
  'invalid_timeout',
  'persist_failed',
  'wait_replaced',
  'wait_aborted',
  'connection_closed',
  'internal_error',
] as const;
export type CoralErrorCode = (typeof CORAL_ERROR_CODES)[number];

export class CoralError extends Error {
  override readonly name = 'CoralError';

  constructor(
    readonly code: CoralErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True when `err` is a refusal of the bus (as opposed to a bug or an I/O failure). */
export function isCoralError(err: unknown): err is CoralError {
  return err instanceof CoralError;
}
