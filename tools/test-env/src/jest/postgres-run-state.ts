import type { AcquiredPostgres } from '../postgres/provider';

/** Where global setup leaves the run's server for global teardown (same process). */
export const RUN_STATE_KEY = '__pardonPostgresRunState';

export interface PostgresRunState {
  postgres: AcquiredPostgres;
  template: string;
}
