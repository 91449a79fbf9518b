// Public API of @pardon/db: the data layer on PostgreSQL. Callers get domain types, never Prisma
// models. Test builders live in `@pardon/db/testing`.
export { createDb } from './lib/db';
export type { CreateDbOptions, Db } from './lib/db';
export { loadDbConfig, DbConfigSchema, DbEnvSchema, DbConfigError } from './lib/config';
export type { DbConfig } from './lib/config';
export { withRetry, isTransientError, DEFAULT_RETRY } from './lib/retry';
export type { RetryOptions, DbLogger } from './lib/retry';
export {
  DbError,
  DatabaseUnavailableError,
  InvalidInputError,
  NotFoundError,
  ThreadClosedError,
  SessionEndedError,
} from './lib/errors';
export { isValidWallet } from './lib/wallet';
export {
  messageId,
  parseMessageId,
  MAX_MESSAGE_SEQ,
  MESSAGES_CHANNEL,
  SYSTEM_SENDER,
  decodeMessageAppended,
} from './lib/messages';
export type { MessageAppendedEvent } from './lib/messages';
export { Decimal } from './lib/decimal';
export type { UsersRepository } from './lib/users';
export type { SessionsRepository, OpenSessionInput, ExpireIdleInput } from './lib/sessions';
export type { AdmitThreadInput, AdmitThreadResult, ThreadsRepository } from './lib/threads';
export type { MessagesRepository, AppendMessageInput } from './lib/messages';
export type { PaymentsRepository, RecordPaymentInput, CreateIntentInput } from './lib/payments';
export { PaymentRefusedError, PAYMENTS_ORIGIN, paymentEventOf } from './lib/payment-settle';
export type { PaymentRefusalCode, SettleInput } from './lib/payment-settle';
export type {
  GatewayTasksRepository,
  PoolHealthRepository,
  CronRun,
  CronRunsRepository,
} from './lib/operations';
export type {
  User,
  Session,
  Thread,
  ThreadWithOwner,
  Message,
  UnansweredMessage,
  Payment,
  PaymentStatus,
  PaymentVolume,
  PaymentDayVolume,
  PaymentRecord,
  PaymentIntent,
  PaymentIntentStatus,
  SettleResult,
  PoolHealthStatus,
  PoolHealthSnapshot,
  GatewayTask,
  EndedSession,
  ExpiryResult,
  ClosedThread,
  PoolCount,
  TaskPoolCount,
  ActiveCounts,
  LeaderboardEntry,
} from './lib/types';
export {
  EvaluationRefusedError,
  MAX_REASON_CHARS,
  MAX_BOARD,
  GAME_CHANNEL,
  decodeGameEvent,
  gameEventOf,
} from './lib/game';
export type {
  GameRepository,
  EvaluateInput,
  EvaluationResult,
  PlayerWeekView,
  WeekBoardEntry,
  WeekCloseResult,
  WeekPrize,
  GameEvent,
  GameIntervalTotals,
} from './lib/game';
export { authNoncesRepository } from './lib/auth-nonces';
export type { AuthNonce, AuthNoncesRepository } from './lib/auth-nonces';
// Lifecycle jobs shared by the cron-worker and the gateway's /api/cron/* endpoints.
export {
  runSessionCleanup,
  runThreadCleanup,
  runPoolHealth,
  GatewayHealthBodySchema,
} from './lib/jobs/runners';
export type {
  JobLogger,
  SessionCleanupOptions,
  SessionCleanupResult,
  ThreadCleanupOptions,
  ThreadCleanupResult,
  PoolHealthOptions,
  PoolHealthResult,
  TaskPoolHealth,
  GatewayHealthBody,
} from './lib/jobs/runners';
export { flushJobRecords, recorded } from './lib/jobs/runners';
export { runWeeklyClose } from './lib/jobs/weekly-close';
export type { WeeklyCloseOptions, WeeklyCloseResult } from './lib/jobs/weekly-close';
export {
  LIFECYCLE_CHANNEL,
  LIFECYCLE_PAYLOAD_MAX_BYTES,
  encodeThreadsClosed,
  decodeLifecycleEvent,
  encodeSweepRequested,
  decodeSweepRequested,
  createLifecycleNotifier,
  listenLifecycleEvents,
} from './lib/jobs/lifecycle-events';
export type {
  ThreadsClosedEvent,
  SweepRequestedEvent,
  LifecycleNotifier,
  LifecycleListener,
  LifecycleLogger,
  ListenOptions,
} from './lib/jobs/lifecycle-events';
export { PAYMENTS_CHANNEL, decodePaymentRequestEvent } from './lib/payment-channel';
export type { PaymentRequestEvent } from './lib/payment-channel';
