/** Base of the errors this library throws on purpose; callers map them to HTTP statuses. */
export abstract class DbError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The database stayed unreachable (or kept failing transiently) for the whole retry budget.
 * The gateway answers 503 with `Retry-After: retryAfterSeconds`.
 */
export class DatabaseUnavailableError extends DbError {
  readonly code = 'DB_UNAVAILABLE';
  constructor(
    readonly operation: string,
    readonly attempts: number,
    readonly elapsedMs: number,
    readonly retryAfterSeconds: number,
    cause: unknown,
  ) {
    super(
      `database unavailable: ${operation} failed ${attempts} time(s) over ${elapsedMs} ms: ${describe(cause)}`,
      { cause },
    );
  }
}

/** Input the database would reject (malformed wallet, cursor, amount...): a 4xx, never retried. */
export class InvalidInputError extends DbError {
  /** `DB_INVALID_INPUT`; a subclass may name its refusal more precisely (PaymentRefusedError). */
  readonly code: string = 'DB_INVALID_INPUT';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** The row an operation needs does not exist (or is not in the required state). */
export class NotFoundError extends DbError {
  readonly code = 'DB_NOT_FOUND';
  constructor(
    readonly entity: 'session' | 'thread' | 'message' | 'payment_intent',
    readonly id: string,
    message = `${entity} ${id} not found`,
  ) {
    super(message);
  }
}

/** The thread exists but is closed: nothing more can be appended to it. */
export class ThreadClosedError extends DbError {
  readonly code = 'DB_THREAD_CLOSED';
  constructor(readonly threadId: string) {
    super(`thread ${threadId} is closed`);
  }
}

/** The session exists but has ended: no new thread can be opened in it. */
export class SessionEndedError extends DbError {
  readonly code = 'DB_SESSION_ENDED';
  constructor(readonly sessionId: string) {
    super(`session ${sessionId} has ended`);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
