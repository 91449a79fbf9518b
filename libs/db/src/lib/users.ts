import type { RepoContext } from './context';
import { InvalidInputError } from './errors';
import type { LeaderboardEntry, User } from './types';
import { assertWallet } from './wallet';

type UserRow = { wallet: string; totalScore: bigint; lastActiveAt: Date; createdAt: Date };

function toUser(row: UserRow): User {
  return {
    wallet: row.wallet,
    totalScore: Number(row.totalScore),
    lastActiveAt: row.lastActiveAt,
    createdAt: row.createdAt,
  };
}

export interface UsersRepository {
  /** Creates the user on first sight and moves `lastActiveAt` on every later call. */
  upsert(wallet: string): Promise<User>;
  find(wallet: string): Promise<User | null>;
  /** Adds `delta` (may be negative) to the user's total score. */
  addScore(wallet: string, delta: number): Promise<User>;
  /**
   * Top wallets by total score (above 0) among users active in [from, to), read from the reader (may lag
   * behind the writer by the replica's delay).
   */
  leaderboard(window: { from: Date; to: Date; limit?: number }): Promise<LeaderboardEntry[]>;
}

const MAX_LEADERBOARD = 1000;

export function usersRepository(ctx: RepoContext): UsersRepository {
  return {
    upsert: (wallet) => {
      assertWallet(wallet);
      return ctx.run('users.upsert', async () =>
        toUser(
          await ctx.writer.user.upsert({
            where: { wallet },
            create: { wallet },
            update: { lastActiveAt: new Date() },
          }),
        ),
      );
    },
    find: (wallet) =>
      ctx.run('users.find', async () => {
        const row = await ctx.writer.user.findUnique({ where: { wallet } });
        return row ? toUser(row) : null;
      }),
    addScore: (wallet, delta) => {
      assertWallet(wallet);
      if (!Number.isSafeInteger(delta)) {
        throw new InvalidInputError('delta', 'delta must be a safe integer');
      }
      // Not idempotent: a retry after a lost acknowledgement would add twice, so no retry here.
      return ctx.writer.user
        .upsert({
          where: { wallet },
          create: { wallet, totalScore: BigInt(delta) },
          update: { totalScore: { increment: BigInt(delta) } },
        })
        .then(toUser);
    },
    leaderboard: ({ from, to, limit = 10 }) => {
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LEADERBOARD) {
        throw new InvalidInputError('limit', `limit must be an integer in [1, ${MAX_LEADERBOARD}]`);
      }
      return ctx.run('users.leaderboard', async () => {
        const rows = await ctx.reader.user.findMany({
          // A board ranks players who scored: a wallet at 0 (or below) is nobody's business.
          where: { lastActiveAt: { gte: from, lt: to }, totalScore: { gt: 0 } },
          orderBy: [{ totalScore: 'desc' }, { wallet: 'asc' }],
          take: limit,
        });
        return rows
          .map((row, i) => ({ rank: i + 1, ...toUser(row) }))
          .map(({ rank, wallet, totalScore, lastActiveAt }) => ({
            rank,
            wallet,
            totalScore,
            lastActiveAt,
          }));
      });
    },
  };
}
