import type { NonceRow } from '../shared/store';

/** Nonces this task remembers having issued: enough for the sign-ins of a busy minute. */
export const ISSUED_NONCES_MAX = 10_000;

/**
 * The nonces this task issued and has not seen spent, so a sign-in that comes back to the task
 * that issued its nonce (the balancer is sticky) needs no read of it: the row is what was stored.
 * Spending stays in the database (single use across every task); a nonce the database has
 * replaced or spent meanwhile is refused there. Bounded: the oldest are forgotten first, and a
 * forgotten one is read from the database as before.
 */
export class IssuedNonces {
  private readonly rows = new Map<string, Omit<NonceRow, 'usedAt'>>();

  constructor(private readonly max = ISSUED_NONCES_MAX) {}

  remember(row: Omit<NonceRow, 'usedAt'>): void {
    this.rows.set(row.nonce, row);
    if (this.rows.size > this.max) {
      // Maps iterate in insertion order: the first key is the oldest nonce.
      const oldest = this.rows.keys().next().value;
      if (oldest !== undefined) this.rows.delete(oldest);
    }
  }

  /** The nonce as issued here, unused as far as this task knows; undefined when not known. */
  get(nonce: string): NonceRow | undefined {
    const row = this.rows.get(nonce);
    return row ? { ...row, usedAt: null } : undefined;
  }

  /** Spent (or refused by the database): later attempts read the database. */
  forget(nonce: string): void {
    this.rows.delete(nonce);
  }

  get size(): number {
    return this.rows.size;
  }
}
