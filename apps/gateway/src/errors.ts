/**
 * The gateway's one table of wire errors. Handlers throw `GatewayError`s by code; the root error
 * handler (plugins/errors.ts) is the one place that turns any error into `{error, message}`.
 */
export const GW_ERR = {
  GW_ERR_BAD_REQUEST: { status: 400, error: 'bad_request', message: 'The request is malformed.' },
  GW_ERR_VALIDATION: {
    status: 400,
    error: 'validation_failed',
    message: 'The request is invalid.',
  },
  GW_ERR_MESSAGE_TOO_LONG: {
    status: 400,
    error: 'message_too_long',
    message: 'The message is longer than allowed.',
  },
  GW_ERR_UNKNOWN_AGENT: { status: 400, error: 'unknown_agent', message: 'No such agent.' },
  GW_ERR_BAD_SIGNATURE: {
    status: 401,
    error: 'bad_signature',
    message: 'The signature does not verify against the wallet.',
  },
  GW_ERR_BAD_NONCE: {
    status: 401,
    error: 'bad_nonce',
    message: 'The nonce is unknown, expired or already used.',
  },
  GW_ERR_UNAUTHORIZED: {
    status: 401,
    error: 'unauthorized',
    message: 'A valid bearer token is required.',
  },
  GW_ERR_TOKEN_EXPIRED: { status: 401, error: 'token_expired', message: 'The token has expired.' },
  GW_ERR_FORBIDDEN: { status: 403, error: 'forbidden', message: 'Not allowed.' },
  GW_ERR_NOT_FOUND: { status: 404, error: 'not_found', message: 'Not found.' },
  GW_ERR_THREAD_NOT_FOUND: { status: 404, error: 'thread_not_found', message: 'No such thread.' },
  GW_ERR_UNKNOWN_POOL: { status: 404, error: 'unknown_pool', message: 'No such pool.' },
  GW_ERR_CRON_DISABLED: {
    status: 404,
    error: 'cron_disabled',
    message: 'Cron endpoints are disabled: no CRON_SECRET is configured.',
  },
  GW_ERR_NO_SESSION: {
    status: 409,
    error: 'no_active_session',
    message: 'Open a session with POST /api/sessions first.',
  },
  GW_ERR_THREAD_CLOSED: { status: 409, error: 'thread_closed', message: 'The thread is closed.' },
  GW_ERR_IDEMPOTENCY_CONFLICT: {
    status: 409,
    error: 'idempotency_conflict',
    message: 'This clientMessageId was already used for a different message.',
  },
  GW_ERR_PAYLOAD_TOO_LARGE: {
    status: 413,
    error: 'payload_too_large',
    message: 'The request body is too large.',
  },
  GW_ERR_UNSUPPORTED_MEDIA: {
    status: 415,
    error: 'unsupported_media_type',
    message: 'Send application/json.',
  },
  GW_ERR_RATE_LIMITED: { status: 429, error: 'rate_limited', message: 'Too many requests.' },
  GW_ERR_TOO_MANY_STREAMS: {
    status: 429,
    error: 'too_many_streams',
    message: 'Too many event streams are open on this thread.',
  },
  GW_ERR_TOO_MANY_THREADS: {
    status: 429,
    error: 'too_many_threads',
    message: 'This wallet has as many open threads as allowed; close one first.',
  },
  GW_ERR_INTERNAL: { status: 500, error: 'internal', message: 'Internal server error.' },
  GW_ERR_SESSION_NOT_READY: {
    status: 503,
    error: 'session_not_ready',
    message: 'The pool is missing agents.',
  },
  GW_ERR_CAPACITY_EXHAUSTED: {
    status: 503,
    error: 'capacity_exhausted',
    message: 'Every pool is full; try again shortly.',
  },
  GW_ERR_DB_UNAVAILABLE: {
    status: 503,
    error: 'database_unavailable',
    message: 'The database is unavailable; try again shortly.',
  },
  GW_ERR_SHUTTING_DOWN: {
    status: 503,
    error: 'shutting_down',
    message: 'This server is shutting down.',
  },
  // Premium payments (payments/): each refusal its own code; none records a payment as verified.
  GW_ERR_PAYMENTS_DISABLED: {
    status: 404,
    error: 'payments_disabled',
    message: 'Premium payments are not enabled on this server (PAYMENT_CHAIN=off).',
  },
  GW_ERR_INTENT_NOT_FOUND: {
    status: 404,
    error: 'intent_not_found',
    message: 'No such payment request of yours.',
  },
  GW_ERR_INTENT_EXPIRED: {
    status: 410,
    error: 'intent_expired',
    message: 'The payment request has expired; ask the agent again.',
  },
  GW_ERR_INTENT_ALREADY_PAID: {
    status: 409,
    error: 'intent_already_paid',
    message: 'This payment request is paid already.',
  },
  GW_ERR_PAYMENT_NOT_FOUND: {
    status: 409,
    error: 'payment_not_found',
    message: 'The transaction is not on chain yet; try again in a few seconds.',
  },
  GW_ERR_PAYMENT_FAILED: {
    status: 400,
    error: 'payment_failed',
    message: 'The transaction failed on chain.',
  },
  GW_ERR_PAYMENT_MISSING_REFERENCE: {
    status: 400,
    error: 'payment_missing_reference',
    message: 'The transaction does not carry this request’s reference.',
  },
  GW_ERR_PAYMENT_WRONG_MINT: {
    status: 400,
    error: 'payment_wrong_mint',
    message: 'The transaction moves another token than the one asked for.',
  },
  GW_ERR_PAYMENT_WRONG_RECIPIENT: {
    status: 400,
    error: 'payment_wrong_recipient',
    message: 'The transaction pays another account than the treasury.',
  },
  GW_ERR_PAYMENT_SHORT: {
    status: 400,
    error: 'payment_short',
    message: 'The transaction pays less than the price.',
  },
  GW_ERR_PAYMENT_TOO_OLD: {
    status: 400,
    error: 'payment_too_old',
    message: 'The transaction is older than the payment request.',
  },
  GW_ERR_PAYMENT_REPLAYED: {
    status: 409,
    error: 'payment_replayed',
    message: 'This transaction already paid another request.',
  },
  GW_ERR_PAYMENT_NOT_YOURS: {
    status: 403,
    error: 'payment_not_yours',
    message: 'The transaction was not paid from your wallet.',
  },
  GW_ERR_PAYMENT_REJECTED: {
    status: 400,
    error: 'payment_rejected',
    message: 'The cluster refused the transaction.',
  },
  GW_ERR_CHAIN_UNAVAILABLE: {
    status: 503,
    error: 'chain_unavailable',
    message: 'The Solana cluster is unavailable; try again shortly.',
  },
} as const;

export type GatewayErrorCode = keyof typeof GW_ERR;

/** A wire error by code, with an optional specific message, extra fields and Retry-After. */
export class GatewayError extends Error {
  readonly statusCode: number;
  readonly error: string;
  constructor(
    readonly code: GatewayErrorCode,
    message?: string,
    readonly extra: { retryAfterS?: number; details?: Record<string, unknown> } = {},
  ) {
    super(message ?? GW_ERR[code].message);
    this.name = 'GatewayError';
    this.statusCode = GW_ERR[code].status;
    this.error = GW_ERR[code].error;
  }
}

/** The JSON error body every route documents in its response schema. */
export const ErrorBodySchema = {
  type: 'object',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string' },
    message: { type: 'string' },
    missingAgents: { type: 'array', items: { type: 'string' } },
    pool: { type: 'string' },
  },
} as const;

/** The error half of every route's response schema. */
export const ErrorResponses = { '4xx': ErrorBodySchema, '5xx': ErrorBodySchema } as const;
