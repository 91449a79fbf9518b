import { z } from 'zod';

const PostgresUrl = z
  .string()
  .trim()
  .refine((value) => /^postgres(?:ql)?:\/\//.test(value), {
    message: 'must be a postgres:// or postgresql:// URL',
  });

const PoolSize = z.coerce.number().int().min(1).max(500);

/** Environment the data layer reads. `DATABASE_READ_URL` falls back to `DATABASE_URL`. */
export const DbEnvSchema = z.object({
  DATABASE_URL: PostgresUrl,
  DATABASE_READ_URL: PostgresUrl.optional(),
  DATABASE_POOL_SIZE: PoolSize.default(10),
  DATABASE_READ_POOL_SIZE: PoolSize.optional(),
});

export const DbConfigSchema = z.object({
  writeUrl: PostgresUrl,
  readUrl: PostgresUrl.optional(),
  writePoolSize: PoolSize.optional(),
  readPoolSize: PoolSize.optional(),
});

/** Connection settings of {@link createDb}, as parsed from the environment. */
export type DbConfig = z.infer<typeof DbConfigSchema>;

/** The environment failed validation; `issues` names each bad or missing variable. */
export class DbConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid database configuration: ${issues.join('; ')}`);
    this.name = 'DbConfigError';
  }
}

/**
 * Parses the data layer's environment (`DATABASE_URL`, `DATABASE_READ_URL`, `DATABASE_POOL_SIZE`,
 * `DATABASE_READ_POOL_SIZE`) once at start; throws a {@link DbConfigError} naming every problem.
 */
export function loadDbConfig(env: Record<string, string | undefined> = process.env): DbConfig {
  const blankAsMissing = Object.fromEntries(
    Object.entries(env).map(([key, value]) => [key, value === '' ? undefined : value]),
  );
  const parsed = DbEnvSchema.safeParse(blankAsMissing);
  if (!parsed.success) {
    throw new DbConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || 'env'}: ${issue.message}`),
    );
  }
  const e = parsed.data;
  return {
    writeUrl: e.DATABASE_URL,
    readUrl: e.DATABASE_READ_URL ?? e.DATABASE_URL,
    writePoolSize: e.DATABASE_POOL_SIZE,
    readPoolSize: e.DATABASE_READ_POOL_SIZE ?? e.DATABASE_POOL_SIZE,
  };
}
