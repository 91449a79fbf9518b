import type { RepoContext } from './context';
import { InvalidInputError } from './errors';
import { requireText } from './sessions';

/** A sign-in nonce as the gateway issued it. */
export interface AuthNonce {
  nonce: string;
  wallet: string;
  /** The exact text the wallet signs; it contains the nonce. */
  message: string;
  expiresAt: Date;
  usedAt: Date | null;
}

export interface AuthNoncesRepository {
  /**
   * Stores a nonce. With `maxLivePerWallet`, the wallet keeps at most that many live (unused,
   * unexpired) nonces: the oldest are deleted with its spent and expired ones, under a per-wallet
   * lock so concurrent requests cannot overshoot. Cost: the wallet's own rows.
   */
  create(
    input: { nonce: string; wallet: string; message: string; expiresAt: Date },
    options?: { maxLivePerWallet?: number },
  ): Promise<void>;
  find(nonce: string): Promise<AuthNonce | null>;
  /**
   * Spends the nonce for `wallet` if it is unused and unexpired at `now`: true for exactly one
   * caller across every task, false for a replay.
   */
  consume(nonce: string, wallet: string, now?: Date): Promise<boolean>;
  /**
   * {@link consume}, and on success creates the wallet's user or moves its `lastActiveAt` (what a
   * sign-in does), in one statement: both or neither.
   */
  consumeForUser(nonce: string, wallet: string, now?: Date): Promise<boolean>;
  /** Deletes nonces that expired before `before`, at most `batchSize`; returns how many. */
  purgeExpired(before: Date, batchSize?: number): Promise<number>;
}

/** Sign-in nonces (added by the gateway issue). */
export function authNoncesRepository(ctx: RepoContext): AuthNoncesRepository {
  return {
    create: ({ nonce, wallet, message, expiresAt }, options = {}) => {
      requireText('nonce', nonce);
      requireText('wallet', wallet, 44);
      requireText('message', message, 2000);
      const max = options.maxLivePerWallet;
      if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
        return Promise.reject(
          new InvalidInputError('maxLivePerWallet', 'maxLivePerWallet must be a positive integer'),
        );
      }
      if (max === undefined) {
        return ctx.run('authNonces.create', async () => {
          await ctx.writer.$executeRaw`
            INSERT INTO auth_nonces (nonce, wallet, message, expires_at)
            VALUES (${nonce}, ${wallet}, ${message}, ${expiresAt})`;
        });
      }
      // One round trip: the lock, the trim and the insert run in pardon_issue_auth_nonce (see its
      // migration). Keep the newest max - 1 live ones; the new nonce is the max-th. A retry after
      // a commit whose answer was lost finds its row (ON CONFLICT DO NOTHING). created_at keeps
      // milliseconds: two nonces of one wallet within one millisecond would tie, and the tie
      // (broken by the random nonce) could keep an older one. Under the wallet's lock each new
      // nonce is at least a millisecond after the wallet's newest, so "oldest" is exact.
      return ctx.run('authNonces.create', async () => {
        await ctx.writerPool.query({
          name: 'authNonces.create',
          text: 'SELECT pardon_issue_auth_nonce($1, $2, $3, $4, $5)',
          values: [nonce, wallet, message, expiresAt, max - 1],
        });
      });
    },
    find: (nonce) =>
      ctx.run('authNonces.find', async () => {
        const { rows } = await ctx.writerPool.query<AuthNonce>({
          name: 'authNonces.find',
          text: `SELECT nonce, wallet, message, expires_at AS "expiresAt", used_at AS "usedAt"
                 FROM auth_nonces WHERE nonce = $1`,
          values: [nonce],
        });
        return rows[0] ?? null;
      }),
    consume: (nonce, wallet, now = new Date()) =>
      ctx.run('authNonces.consume', async () => {
        const n = await ctx.writer.$executeRaw`
          UPDATE auth_nonces SET used_at = ${now}, updated_at = now()
          WHERE nonce = ${nonce} AND wallet = ${wallet} AND used_at IS NULL AND expires_at > ${now}`;
        return n === 1;
      }),
    consumeForUser: (nonce, wallet, now = new Date()) =>
      ctx.run('authNonces.consumeForUser', async () => {
        const { rows } = await ctx.writerPool.query<{ wallet: string }>({
          name: 'authNonces.consumeForUser',
          text: `WITH spent AS (
                   UPDATE auth_nonces SET used_at = $3, updated_at = now()
                   WHERE nonce = $1 AND wallet = $2 AND used_at IS NULL AND expires_at > $3
                   RETURNING wallet
                 )
                 INSERT INTO users (wallet) SELECT wallet FROM spent
                 ON CONFLICT (wallet) DO UPDATE SET last_active_at = now(), updated_at = now()
                 RETURNING wallet`,
          values: [nonce, wallet, now],
        });
        return rows.length === 1;
      }),
    purgeExpired: (before, batchSize = 1000) =>
      ctx.run(
        'authNonces.purgeExpired',
        () =>
          ctx.writer.$executeRaw`
          DELETE FROM auth_nonces WHERE nonce IN (
            SELECT nonce FROM auth_nonces WHERE expires_at < ${before} LIMIT ${batchSize})`,
      ),
  };
}
