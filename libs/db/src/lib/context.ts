import type { PrismaClient } from '../generated/prisma/client';
import { withRetry, type DbLogger, type RetryOptions } from './retry';

/** What every repository gets: the writer, the reader (may lag) and the retry policy. */
export interface RepoContext {
  writer: PrismaClient;
  reader: PrismaClient;
  logger: DbLogger | undefined;
  /** Runs an idempotent unit of work with the db's retry policy. */
  run<T>(operation: string, fn: () => Promise<T>): Promise<T>;
}

export function createContext(
  writer: PrismaClient,
  reader: PrismaClient,
  logger: DbLogger | undefined,
  retry: Omit<RetryOptions, 'operation' | 'logger'>,
): RepoContext {
  return {
    writer,
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
