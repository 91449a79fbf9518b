// Jest globalTeardown: drops this run's template on an external server, or stops the server the
// setup started. (Should Jest die before this runs, the embedded server's child process still
// stops PostgreSQL when its stdin closes.)
import { dropDatabase } from '../postgres/provider';
import { RUN_STATE_KEY, type PostgresRunState } from './postgres-run-state';

export default async function postgresGlobalTeardown(): Promise<void> {
  const state = (globalThis as Record<string, unknown>)[RUN_STATE_KEY] as
    PostgresRunState | undefined;
  if (!state) return;
  delete (globalThis as Record<string, unknown>)[RUN_STATE_KEY];
  try {
    if (state.postgres.source === 'DATABASE_URL') {
      await dropDatabase(state.postgres.adminUrl, state.template);
    }
  } finally {
    await state.postgres.release();
  }
}
