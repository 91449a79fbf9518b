/**
 * The cluster could not answer: network failure, HTTP 5xx, a JSON-RPC error. Callers answer 503
 * and may retry later; nothing is known about the transaction.
 */
export class ChainUnavailableError extends Error {
  override readonly name: string = 'ChainUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The cluster refused a transaction on submission (preflight simulation failed, a signature does
 * not verify, the blockhash is unknown). A subclass of ChainUnavailableError so that code that only
 * knows the brief's two errors still answers 503; code that knows it can answer 4xx instead.
 * `rpcCode` is the JSON-RPC error code (-32002 preflight failure, -32003 signature verification).
 */
export class TransactionRejectedError extends ChainUnavailableError {
  override readonly name: string = 'TransactionRejectedError';
  constructor(
    message: string,
    readonly rpcCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The cluster answered, but not in the documented shape. */
export class ChainResponseError extends Error {
  override readonly name: string = 'ChainResponseError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
