/**
 * Runs `call` with a signal of its own that aborts when `signal` does, and detaches from `signal`
 * when the call settles.
 *
 * Why: the MCP SDK's `Protocol.request` adds an `abort` listener to the signal a request is given
 * and never removes it. An agent passes its long-lived stop signal to every wait for mentions, so
 * each wait left a listener (holding the request's closure) on that one signal for the life of the
 * process: memory grew with every mention ever received, and every new listener cost a walk of
 * the list (Node's EventTarget checks for duplicates), so CPU per reply grew too. Handing the SDK
 * a per-call signal leaves its listener on an object that is garbage once the call ends.
 */
export async function withCallSignal<T>(
  signal: AbortSignal | undefined,
  call: (signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  if (!signal) return call(undefined);
  signal.throwIfAborted();
  const controller = new AbortController();
  const abort = (): void => controller.abort(signal.reason);
  signal.addEventListener('abort', abort, { once: true });
  try {
    return await call(controller.signal);
  } finally {
    signal.removeEventListener('abort', abort);
  }
}
