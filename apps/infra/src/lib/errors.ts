/** The CLI's error table: one code per failure an operator can act on, with its exit status. */
export const INFRA_ERRORS = {
  INFRA_ERR_USAGE: { exitCode: 2, message: 'invalid command line' },
  INFRA_ERR_CONFIG: { exitCode: 2, message: 'invalid environment configuration' },
  INFRA_ERR_INPUT: { exitCode: 2, message: 'invalid input' },
  INFRA_ERR_NOT_DEPLOYED: { exitCode: 3, message: 'the environment has not been applied yet' },
  INFRA_ERR_NO_EARLIER_REVISION: { exitCode: 3, message: 'no revision to roll back to' },
  INFRA_ERR_REPLACE_REQUIRED: { exitCode: 3, message: 'a change needs a resource replaced' },
  INFRA_ERR_CONFIRM: { exitCode: 3, message: 'confirmation required' },
  INFRA_ERR_MIGRATION_FAILED: { exitCode: 4, message: 'the migration task failed' },
  INFRA_ERR_AWS: { exitCode: 1, message: 'an AWS call failed' },
} as const;

export type InfraErrorCode = keyof typeof INFRA_ERRORS;

export class InfraError extends Error {
  readonly exitCode: number;
  constructor(
    readonly code: InfraErrorCode,
    message: string = INFRA_ERRORS[code].message,
  ) {
    super(message);
    this.name = 'InfraError';
    this.exitCode = INFRA_ERRORS[code].exitCode;
  }
}

/** Any thrown value as `{error, message}` plus exit status; AWS errors keep their own code name. */
export function toErrorBody(err: unknown): { error: string; message: string; exitCode: number } {
  if (err instanceof InfraError)
    return { error: err.code, message: err.message, exitCode: err.exitCode };
  const e = err as { name?: string; message?: string };
  const aws = e?.name && e.name !== 'Error' ? ` (${e.name})` : '';
  return {
    error: 'INFRA_ERR_AWS',
    message: `${e?.message ?? String(err)}${aws}`,
    exitCode: INFRA_ERRORS.INFRA_ERR_AWS.exitCode,
  };
}
