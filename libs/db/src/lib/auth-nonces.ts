import type { RepoContext } from './context';
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
  create(input: { nonce: string; wallet: string; message: string; expiresAt: Date }): Promise<void>;
  find(nonce: string): Promise<AuthNonce | null>;
  /**
   * Spends the nonce for `wallet` if it is unused and unexpired at `now`: true for exactly one
   * caller across every task, false for a replay.
   */
  consume(nonce: string, wallet: string, now?: Date): Promise<boolean>;
  /** Deletes nonces that expired before `before`, at most `batchSize`; returns how many. */
  purgeExpired(before: Date, batchSize?: number): Promise<number>;
}

/** Sign-in nonces (added by the gateway issue). */
export function authNoncesRepository(ctx: RepoContext): AuthNoncesRepository {
  return {
    create: ({ nonce, wallet, message, expiresAt }) => {
      requireText('nonce', nonce);
      requireText('wallet', wallet, 44);
      requireText('message', message, 2000);
      return ctx.run('authNonces.create', async () => {
        await ctx.writer.$executeRaw`
          INSERT INTO auth_nonces (nonce, wallet, message, expires_at)
          VALUES (${nonce}, ${wallet}, ${message}, ${expiresAt})`;
      });
    },
    find: (nonce) =>
      ctx.run('authNonces.find', async () => {
        const rows = await ctx.writer.$queryRaw<AuthNonce[]>`
          SELECT nonce, wallet, message, expires_at AS "expiresAt", used_at AS "usedAt"
          FROM auth_nonces WHERE nonce = ${nonce}`;
        return rows[0] ?? null;
      }),
    consume: (nonce, wallet, now = new Date()) =>
      ctx.run('authNonces.consume', async () => {
        const n = await ctx.writer.$executeRaw`
          UPDATE auth_nonces SET used_at = ${now}, updated_at = now()
          WHERE nonce = ${nonce} AND wallet = ${wallet} AND used_at IS NULL AND expires_at > ${now}`;
        return n === 1;
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
