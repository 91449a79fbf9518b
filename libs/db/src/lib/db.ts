import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';
import { authNoncesRepository, type AuthNoncesRepository } from './auth-nonces';
import { DbConfigSchema } from './config';
import { createContext } from './context';
import { DbConfigError } from './config';
import { messagesRepository, type MessagesRepository } from './messages';
import {
  gatewayTasksRepository,
  poolHealthRepository,
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
  /** Wallet sign-in nonces (gateway). */
  authNonces: AuthNoncesRepository;
  /** True when the writer answers a trivial query (for /health); never throws. */
  ping(): Promise<boolean>;
  /** Closes both pools. */
  close(): Promise<void>;
}

function prismaFor(url: string, poolSize: number, connectTimeoutMs: number): PrismaClient {
  const adapter = new PrismaPg({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    // adapter-pg sends timestamps as UTC text without an offset: the session must be in UTC.
    options: '-c TimeZone=UTC',
  });
  return new PrismaClient({ adapter });
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
  const writer = prismaFor(options.writeUrl, writePoolSize, connectTimeoutMs);
  const reader =
    options.readUrl && options.readUrl !== options.writeUrl
      ? prismaFor(options.readUrl, options.readPoolSize ?? writePoolSize, connectTimeoutMs)
      : writer;
  const ctx = createContext(writer, reader, options.logger, options.retry ?? {});
  let closed: Promise<void> | undefined;
  return {
    users: usersRepository(ctx),
    sessions: sessionsRepository(ctx),
    threads: threadsRepository(ctx),
    messages: messagesRepository(ctx),
    payments: paymentsRepository(ctx),
    gatewayTasks: gatewayTasksRepository(ctx),
    poolHealth: poolHealthRepository(ctx),
    authNonces: authNoncesRepository(ctx),
    ping: async () => {
      try {
        await writer.$queryRaw`SELECT 1`;
        return true;
      } catch {
        return false; // health checks report, they do not throw
      }
    },
    close: () => {
      closed ??= Promise.all([
        writer.$disconnect(),
        reader === writer ? Promise.resolve() : reader.$disconnect(),
      ]).then(() => undefined);
      return closed;
    },
  };
}
