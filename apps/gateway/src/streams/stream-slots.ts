import { GatewayError } from '../errors';

/**
 * Counts the open event streams per thread and per wallet against their limits. A slot is
 * checked and taken in one synchronous step (`take`), so no `await` can sit between the check
 * and the count, and its release is idempotent, so every path may call it.
 */
export class StreamSlots {
  private readonly perThread = new Map<string, number>();
  private readonly perWallet = new Map<string, number>();

  constructor(private readonly limits: { perThread: number; perWallet: number }) {}

  /**
   * Takes a slot for `wallet` on `threadId`, or throws 429 `too_many_streams` (nothing taken).
   * The returned release frees it once, however often it is called.
   */
  take(threadId: string, wallet: string): () => void {
    if ((this.perThread.get(threadId) ?? 0) >= this.limits.perThread) {
      throw new GatewayError(
        'GW_ERR_TOO_MANY_STREAMS',
        `At most ${this.limits.perThread} event streams per thread.`,
        { retryAfterS: 5 },
      );
    }
    if ((this.perWallet.get(wallet) ?? 0) >= this.limits.perWallet) {
      throw new GatewayError(
        'GW_ERR_TOO_MANY_STREAMS',
        `At most ${this.limits.perWallet} event streams per wallet.`,
        { retryAfterS: 5 },
      );
    }
    increment(this.perThread, threadId);
    increment(this.perWallet, wallet);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      decrement(this.perThread, threadId);
      decrement(this.perWallet, wallet);
    };
  }

  /** Slots held (threads, wallets): both maps hold only keys with a slot taken. */
  get size(): { threads: number; wallets: number } {
    return { threads: this.perThread.size, wallets: this.perWallet.size };
  }
}

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function decrement(map: Map<string, number>, key: string): void {
  const n = (map.get(key) ?? 1) - 1;
  if (n <= 0) map.delete(key);
  else map.set(key, n);
}
