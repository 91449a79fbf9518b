import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client';
import { authNoncesRepository, type AuthNoncesRepository } from './auth-nonces';
import { DbConfigSchema } from './config';
import { createContext } from './context';
import { DbConfigError } from './config';
import { gameRepository, type GameRepository } from './game';
import { messagesRepository, type MessagesRepository } from './messages';
import {
  cronRunsRepository,
  gatewayTasksRepository,
  poolHealthRepository,
  type CronRunsRepository,
  type GatewayTasksRepository,
  type PoolHealthRepository,
} from './operations';
import { paymentsRepository, type PaymentsRepository } from './payments';
import type { DbLogger, RetryOptions } from './retry';
import { sessionsRepository, type SessionsRepository } from './sessions';
import { threadsRepository, type ThreadsRepository } from './threads';
import { usersRepository, type UsersRepository } from './users';

export interface CreateDbOptions {
  /** Writer (primary) URL: `DATABASE_URL`. */
  writeUrl: string;
  /** Reader (replica) URL for reads that may lag; default: the writer. */
  readUrl?: string;
  /** Connections in the writer's pool. Default 10. */
  writePoolSize?: number;
  /** Connections in the reader's pool. Default: writePoolSize. */
  readPoolSize?: number;
  /** Receives one `warn` per retry (pino-compatible). */
  logger?: DbLogger;
  /** Retry policy of every repository call (attempts, total time, backoff). */
  retry?: Omit<RetryOptions, 'operation' | 'logger'>;
  /** How long to wait for a connection before failing (then retried). Default 5,000 ms. */
  connectTimeoutMs?: number;
}

/** The data layer: repositories over a writer and a reader pool. */
export interface Db {
  users: UsersRepository;
  sessions: SessionsRepository;
  threads: ThreadsRepository;
  messages: MessagesRepository;
  payments: PaymentsRepository;
  gatewayTasks: GatewayTasksRepository;
  poolHealth: PoolHealthRepository;
  /** Last run of each lifecycle job (ops dashboard). */
  cronRuns: CronRunsRepository;
  /** Wallet sign-in nonces (gateway). */
  authNonces: AuthNoncesRepository;
  /** The game: evaluations, players' weeks, the weekly board and prizes. */
  game: GameRepository;
  /** True when the writer answers a trivial query (for /health); never throws. */
  ping(): Promise<boolean>;
  /** Closes both pools. */
  close(): Promise<void>;
}

// Validation throws synchronously inside the repositories; callers always get a rejected promise.
function rejectingOnThrow<T extends object>(repository: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(repository)) {
    wrapped[name] =
      typeof fn === 'function'
        ? (...args: unknown[]) => {
            try {
              return (fn as (...a: unknown[]) => unknown)(...args);
            } catch (error) {
              return Promise.reject(error);
            }
          }
        : fn;
  }
  return wrapped as T;
}

interface Connection {
  prisma: PrismaClient;
  pool: pg.Pool;
}

function connect(
  url: string,
  poolSize: number,
  connectTimeoutMs: number,
  logger: DbLogger | undefined,
): Connection {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    // adapter-pg sends timestamps as UTC text without an offset: the session must be in UTC.
    options: '-c TimeZone=UTC',
  });
  // An idle connection the server dropped (restart, failover) must not crash the process.
  pool.on('error', (error) => {
    logger?.warn({ err: { message: error.message } }, 'idle database connection failed');
  });
  return { prisma: new PrismaClient({ adapter: new PrismaPg(pool) }), pool };
}

/**
 * Connects the data layer (lazily: no connection is opened until the first query). Reads that may
 * lag (leaderboard, payment volume, pool-health history) go to `readUrl`; everything a player must
 * see right after writing it goes to the writer.
 */
export function createDb(options: CreateDbOptions): Db {
  const parsed = DbConfigSchema.safeParse(options);
  if (!parsed.success) {
    throw new DbConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const writePoolSize = options.writePoolSize ?? 10;
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  const writer = connect(options.writeUrl, writePoolSize, connectTimeoutMs, options.logger);
  const reader =
    options.readUrl && options.readUrl !== options.writeUrl
      ? connect(
          options.readUrl,
          options.readPoolSize ?? writePoolSize,
          connectTimeoutMs,
          options.logger,
        )
      : writer;
  const ctx = createContext(
    writer.prisma,
    writer.pool,
    reader.prisma,
    options.logger,
    options.retry ?? {},
  );
  let closed: Promise<void> | undefined;
  return {
    users: rejectingOnThrow(usersRepository(ctx)),
    sessions: rejectingOnThrow(sessionsRepository(ctx)),
    threads: rejectingOnThrow(threadsRepository(ctx)),
    messages: rejectingOnThrow(messagesRepository(ctx)),
    payments: rejectingOnThrow(paymentsRepository(ctx)),
    gatewayTasks: rejectingOnThrow(gatewayTasksRepository(ctx)),
    poolHealth: rejectingOnThrow(poolHealthRepository(ctx)),
    cronRuns: rejectingOnThrow(cronRunsRepository(ctx)),
    authNonces: authNoncesRepository(ctx),
    game: rejectingOnThrow(gameRepository(ctx)),
    ping: async () => {
      try {
        await writer.pool.query('SELECT 1');
        return true;
      } catch {
        return false; // health checks report, they do not throw
      }
    },
    close: () => {
      const disconnect = async (c: Connection) => {
        await c.prisma.$disconnect();
        await c.pool.end();
      };
      closed ??= Promise.all([
        disconnect(writer),
        reader === writer ? Promise.resolve() : disconnect(reader),
      ]).then(() => undefined);
      return closed;
    },
  };
}
