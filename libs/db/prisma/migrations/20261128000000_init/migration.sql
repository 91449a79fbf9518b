-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "users" (
    "wallet" VARCHAR(44) NOT NULL,
    "total_score" BIGINT NOT NULL DEFAULT 0,
    "last_active_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("wallet")
);

-- CreateTable
CREATE TABLE "sessions" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "wallet" VARCHAR(44) NOT NULL,
    "pool" TEXT NOT NULL,
    "task_id" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_activity_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ended_at" TIMESTAMPTZ(3),
    "end_reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "threads" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "session_id" UUID NOT NULL,
    "pool" TEXT NOT NULL,
    "agent_id" TEXT NOT NULL,
    "last_seq" INTEGER NOT NULL DEFAULT 0,
    "last_player_seq" INTEGER NOT NULL DEFAULT 0,
    "last_agent_seq" INTEGER NOT NULL DEFAULT 0,
    "last_message_at" TIMESTAMPTZ(3),
    "closed_at" TIMESTAMPTZ(3),
    "close_reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "threads_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "messages" (
    "id" TEXT NOT NULL,
    "thread_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "sender_id" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "mentions" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "client_message_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "messages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "payments" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "signature" TEXT NOT NULL,
    "from_wallet" VARCHAR(44) NOT NULL,
    "to_agent" TEXT NOT NULL,
    "amount" DECIMAL(30,9) NOT NULL,
    "currency" TEXT NOT NULL,
    "service_type" TEXT NOT NULL,
    "verified" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "pool_health_snapshots" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "task_id" TEXT NOT NULL,
    "pool" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "active_threads" INTEGER NOT NULL,
    "active_sessions" INTEGER NOT NULL,
    "agents_connected" INTEGER NOT NULL,
    "taken_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "pool_health_snapshots_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "gateway_tasks" (
    "task_id" TEXT NOT NULL,
    "base_url" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_heartbeat_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "gateway_tasks_pkey" PRIMARY KEY ("task_id")
);

-- CreateIndex
CREATE INDEX "users_last_active_at_total_score_idx" ON "users"("last_active_at", "total_score");

-- CreateIndex
CREATE INDEX "sessions_wallet_idx" ON "sessions"("wallet");

-- CreateIndex
CREATE INDEX "threads_session_id_idx" ON "threads"("session_id");

-- CreateIndex
CREATE UNIQUE INDEX "messages_thread_id_seq_key" ON "messages"("thread_id", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "messages_thread_id_client_message_id_key" ON "messages"("thread_id", "client_message_id");

-- CreateIndex
CREATE UNIQUE INDEX "payments_signature_key" ON "payments"("signature");

-- CreateIndex
CREATE INDEX "payments_created_at_idx" ON "payments"("created_at");

-- CreateIndex
CREATE INDEX "payments_from_wallet_idx" ON "payments"("from_wallet");

-- CreateIndex
CREATE INDEX "pool_health_snapshots_task_id_pool_taken_at_idx" ON "pool_health_snapshots"("task_id", "pool", "taken_at" DESC);

-- CreateIndex
CREATE INDEX "pool_health_snapshots_taken_at_idx" ON "pool_health_snapshots"("taken_at");

-- CreateIndex
CREATE INDEX "gateway_tasks_last_heartbeat_at_idx" ON "gateway_tasks"("last_heartbeat_at");

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_wallet_fkey" FOREIGN KEY ("wallet") REFERENCES "users"("wallet") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "threads" ADD CONSTRAINT "threads_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "messages" ADD CONSTRAINT "messages_thread_id_fkey" FOREIGN KEY ("thread_id") REFERENCES "threads"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- Written by hand below: what the Prisma schema language cannot express.

-- At most one active (not ended) session per user: open-or-reuse relies on it to be race-safe.
CREATE UNIQUE INDEX "sessions_one_active_per_wallet_key" ON "sessions"("wallet") WHERE "ended_at" IS NULL;

-- Session expiry reads only active sessions, oldest activity first, so its cost follows the rows it ends.
CREATE INDEX "sessions_active_last_activity_at_idx" ON "sessions"("last_activity_at") WHERE "ended_at" IS NULL;

-- Active sessions per pool and per task (capacity, metrics, re-homing a dead task's players).
CREATE INDEX "sessions_active_pool_task_id_idx" ON "sessions"("pool", "task_id") WHERE "ended_at" IS NULL;

-- Open threads: per session (closing threads of ended sessions), per pool (counts), by idle time.
CREATE INDEX "threads_open_session_id_idx" ON "threads"("session_id") WHERE "closed_at" IS NULL;
CREATE INDEX "threads_open_pool_idx" ON "threads"("pool") WHERE "closed_at" IS NULL;
CREATE INDEX "threads_open_idle_idx" ON "threads"((COALESCE("last_message_at", "created_at"))) WHERE "closed_at" IS NULL;

-- Open threads whose last player message has no agent reply yet (re-delivery after a task dies).
CREATE INDEX "threads_open_unanswered_pool_idx" ON "threads"("pool") WHERE "closed_at" IS NULL AND "last_player_seq" > "last_agent_seq";

-- Defence in depth behind the repositories' validation.
ALTER TABLE "users" ADD CONSTRAINT "users_wallet_base58_check" CHECK ("wallet" ~ '^[1-9A-HJ-NP-Za-km-z]{32,44}$');
ALTER TABLE "payments" ADD CONSTRAINT "payments_amount_nonnegative_check" CHECK ("amount" >= 0);
ALTER TABLE "messages" ADD CONSTRAINT "messages_seq_positive_check" CHECK ("seq" > 0);
