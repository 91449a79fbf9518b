export { startAwsEmulator, awsEmulatorEnv } from './aws/emulator';
export type {
  AwsEmulator,
  AwsEmulatorKind,
  AwsCredentials,
  StartAwsEmulatorOptions,
} from './aws/emulator';
export { ensureMotoVenv } from './aws/moto-venv';
// Pinned Python virtualenvs (moto's and the third-party MCP clients') and the client driver.
export { ensureVenv, findRepoRoot } from './python/venv';
export type { EnsureVenvOptions, PythonVenv } from './python/venv';
export {
  ensurePythonClients,
  pythonClientsRequirements,
  PYTHON_CLIENTS,
  HAS_LANGCHAIN,
  CORAL_CLIENT_SCRIPT,
  runCoralClient,
  stopCoralClients,
} from './python/clients';
export type {
  CoralClientRecord,
  CoralClientRun,
  EnsurePythonClientsOptions,
  PythonClientsName,
  RunCoralClientOptions,
} from './python/clients';
export { startMotoServer } from './aws/moto-server';
export type { MotoServer } from './aws/moto-server';
// PostgreSQL (libs/db issue): servers, per-file test databases, migrations.
export { startPostgresServer, freePort } from './postgres/server';
export type { PostgresServer, StartPostgresServerOptions } from './postgres/server';
export {
  acquirePostgres,
  createTestDatabase,
  createMigratedTemplate,
  dropDatabase,
  withDatabase,
  TEST_PG_ADMIN_URL_ENV,
  TEST_PG_TEMPLATE_ENV,
} from './postgres/provider';
export type { AcquiredPostgres, PostgresSource, TestDatabase } from './postgres/provider';
export {
  openTestDb,
  useTestDb,
  openTestDbWithReplica,
  useTestDbWithReplica,
} from './postgres/test-db';
export type {
  Closable,
  TestDb,
  TestDbWith,
  TestDbWithReplica,
  TestDbWithReplicaWith,
} from './postgres/test-db';
// A streaming hot standby of a local primary (the design's read replica) and its replay controls.
export {
  startStreamingReplica,
  startPrimaryWithReplica,
  pauseReplay,
  resumeReplay,
  replicationLag,
  waitForReplay,
  primaryLsn,
} from './postgres/replica';
export type {
  PostgresReplica,
  PrimaryWithReplica,
  ReplicaPrimary,
  ReplicationLag,
  StartReplicaOptions,
} from './postgres/replica';
export { applyMigrations, DB_MIGRATIONS_DIR } from './postgres/migrations';
