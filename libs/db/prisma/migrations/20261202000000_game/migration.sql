-- The game (issue: scoring, the pardon, the weekly board and prizes). One player and week is one row
-- of player_weeks, moved only together with the evaluation that moves it (one transaction, the
-- row locked), an evaluation exists once per (player message, agent), the pardon of a week once.

-- CreateTable
CREATE TABLE "player_weeks" (
    "wallet" VARCHAR(44) NOT NULL,
    "week_id" TEXT NOT NULL,
    "score" DECIMAL(6,2) NOT NULL DEFAULT 0,
    "scored_messages" JSONB NOT NULL DEFAULT '{}',
    "premium_services" INTEGER NOT NULL DEFAULT 0,
    "evaluations" INTEGER NOT NULL DEFAULT 0,
    "pardon_granted_at" TIMESTAMPTZ(3),
    "final_score" DECIMAL(6,2),
    "last_points" DECIMAL(6,2),
    "last_reason" TEXT,
    "last_agent_id" TEXT,
    "last_evaluated_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "player_weeks_pkey" PRIMARY KEY ("wallet","week_id"),
    CONSTRAINT "player_weeks_pardon_whole" CHECK (("pardon_granted_at" IS NULL) = ("final_score" IS NULL))
);

-- CreateTable
CREATE TABLE "evaluations" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "message_id" TEXT NOT NULL,
    "agent_id" TEXT NOT NULL,
    "wallet" VARCHAR(44) NOT NULL,
    "week_id" TEXT NOT NULL,
    "score" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "points" DECIMAL(6,2) NOT NULL,
    "score_after" DECIMAL(6,2) NOT NULL,
    "pardon_granted" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "evaluations_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "evaluations_score_range" CHECK ("score" BETWEEN -3 AND 3)
);

-- CreateTable
CREATE TABLE "week_closes" (
    "week_id" TEXT NOT NULL,
    "closed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "board" JSONB NOT NULL,
    "pool_base_units" DECIMAL(40,0) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "week_closes_pkey" PRIMARY KEY ("week_id")
);

-- CreateTable
CREATE TABLE "prize_entitlements" (
    "week_id" TEXT NOT NULL,
    "place" INTEGER NOT NULL,
    "wallet" VARCHAR(44) NOT NULL,
    "final_score" DECIMAL(6,2) NOT NULL,
    "amount_base_units" DECIMAL(40,0) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "prize_entitlements_pkey" PRIMARY KEY ("week_id","place")
);

-- One evaluation per (player message, agent): retries, redeliveries and races find it.
CREATE UNIQUE INDEX "evaluations_message_id_agent_id_key" ON "evaluations"("message_id", "agent_id");
-- Evaluations per minute (ops page) and the week of a player.
CREATE INDEX "evaluations_created_at_idx" ON "evaluations"("created_at");
CREATE INDEX "evaluations_wallet_week_id_idx" ON "evaluations"("wallet", "week_id");
-- The pardon of a week is granted once.
CREATE UNIQUE INDEX "evaluations_one_pardon_per_week" ON "evaluations"("wallet", "week_id") WHERE "pardon_granted";
-- The board: the pardoned players in board order.
CREATE INDEX "player_weeks_board_idx" ON "player_weeks"("week_id", "final_score" DESC, "pardon_granted_at", "wallet") WHERE "pardon_granted_at" IS NOT NULL;
CREATE INDEX "player_weeks_week_id_score_idx" ON "player_weeks"("week_id", "score" DESC);
-- The messages of a player in a week (messages sent, agents talked to) are counted from here.
CREATE INDEX "messages_sender_id_created_at_idx" ON "messages"("sender_id", "created_at");
CREATE INDEX "prize_entitlements_wallet_idx" ON "prize_entitlements"("wallet");

-- AddForeignKey
ALTER TABLE "player_weeks" ADD CONSTRAINT "player_weeks_wallet_fkey" FOREIGN KEY ("wallet") REFERENCES "users"("wallet") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_wallet_week_id_fkey" FOREIGN KEY ("wallet", "week_id") REFERENCES "player_weeks"("wallet", "week_id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "prize_entitlements" ADD CONSTRAINT "prize_entitlements_week_id_fkey" FOREIGN KEY ("week_id") REFERENCES "week_closes"("week_id") ON DELETE RESTRICT ON UPDATE CASCADE;
