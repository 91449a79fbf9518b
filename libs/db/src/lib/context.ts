import type pg from 'pg';
import type { PrismaClient } from '../generated/prisma/client';
import { withRetry, type DbLogger, type RetryOptions } from './retry';

/** What every repository gets: the writer, the reader (may lag) and the retry policy. */
export interface RepoContext {
  writer: PrismaClient;
  /** The writer's pg pool, for the few transactions written in SQL (see {@link inTransaction}). */
  writerPool: pg.Pool;
  reader: PrismaClient;
  logger: DbLogger | undefined;
  /** Runs an idempotent unit of work with the db's retry policy. */
  run<T>(operation: string, fn: () => Promise<T>): Promise<T>;
}

export function createContext(
  writer: PrismaClient,
  writerPool: pg.Pool,
  reader: PrismaClient,
  logger: DbLogger | undefined,
  retry: Omit<RetryOptions, 'operation' | 'logger'>,
): RepoContext {
  return {
    writer,
    writerPool,
    reader,
    logger,
    run: (operation, fn) => withRetry(fn, { ...retry, operation, ...(logger ? { logger } : {}) }),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids come from URLs: anything that is not a UUID cannot name a row, so it is "not found". */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

export function toNumber(value: bigint | number | null | undefined): number {
  return value === null || value === undefined ? 0 : Number(value);
}

/**
 * Runs `fn` in a transaction on a pooled connection. Written against pg directly because a Prisma
 * interactive transaction whose connection dies (server restart) never returns that connection to
 * the pool; here a broken connection is destroyed and the pool stays whole.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error): void => {
    broken = error;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    if (!broken) {
      broken = await client.query('ROLLBACK').then(
        () => undefined,
        (rollbackError: unknown) =>
          rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError)),
      );
    }
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
