-- Premium payments (issue: premium services paid in an SPL token). A payment intent is what a
-- player was asked to pay (service, exact amount in base units, mint, treasury, reference) for a
-- thread, valid until expires_at. A payment settles at most one intent and an intent is settled by
-- at most one payment (both unique), a signature pays once (payments.signature is unique). A
-- verified payment moves the player's week in the transaction that stores it, as an evaluation
-- does, and keeps what it did (bonus, points, score after, pardon) so a retry returns it unchanged.

-- CreateTable
CREATE TABLE "payment_intents" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "reference" TEXT NOT NULL,
    "wallet" VARCHAR(44) NOT NULL,
    "agent_id" TEXT NOT NULL,
    "thread_id" UUID NOT NULL,
    "service" TEXT NOT NULL,
    "amount" DECIMAL(39,0) NOT NULL,
    "mint" TEXT NOT NULL,
    "recipient" TEXT NOT NULL,
    "decimals" INTEGER NOT NULL,
    "week_id" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "catalogue_version" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "settled_at" TIMESTAMPTZ(3),
    "payment_id" UUID,

    CONSTRAINT "payment_intents_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "payment_intents_status_check" CHECK ("status" IN ('pending', 'paid', 'expired', 'late')),
    CONSTRAINT "payment_intents_amount_positive" CHECK ("amount" > 0),
    CONSTRAINT "payment_intents_decimals_range" CHECK ("decimals" BETWEEN 0 AND 9),
    CONSTRAINT "payment_intents_settled_whole" CHECK (("status" IN ('paid', 'late')) = ("payment_id" IS NOT NULL))
);

-- AlterTable
ALTER TABLE "payments" ADD COLUMN "intent_id" UUID,
ADD COLUMN "mint" TEXT,
ADD COLUMN "amount_base" DECIMAL(39,0),
ADD COLUMN "status" TEXT,
ADD COLUMN "slot" BIGINT,
ADD COLUMN "block_time" TIMESTAMPTZ(3),
ADD COLUMN "bonus_points" DECIMAL(6,2),
ADD COLUMN "points_awarded" DECIMAL(6,2),
ADD COLUMN "score_after" DECIMAL(6,2),
ADD COLUMN "pardon_granted" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN "message_id" TEXT,
ADD CONSTRAINT "payments_status_check" CHECK ("status" IS NULL OR "status" IN ('verified', 'late'));

-- A reference, a settling payment and a settled intent are each unique.
CREATE UNIQUE INDEX "payment_intents_reference_key" ON "payment_intents"("reference");
CREATE UNIQUE INDEX "payment_intents_payment_id_key" ON "payment_intents"("payment_id");
CREATE UNIQUE INDEX "payments_intent_id_key" ON "payments"("intent_id");
-- The expiry and reconcile jobs, a player's intents, a thread's intents, a player's purchases of a week.
CREATE INDEX "payment_intents_status_expires_at_idx" ON "payment_intents"("status", "expires_at");
CREATE INDEX "payment_intents_wallet_created_at_idx" ON "payment_intents"("wallet", "created_at");
CREATE INDEX "payment_intents_thread_id_idx" ON "payment_intents"("thread_id");
CREATE INDEX "payment_intents_wallet_week_id_service_idx" ON "payment_intents"("wallet", "week_id", "service");
CREATE INDEX "payments_message_id_idx" ON "payments"("message_id");
CREATE INDEX "payments_status_created_at_idx" ON "payments"("status", "created_at");

-- AddForeignKey
ALTER TABLE "payment_intents" ADD CONSTRAINT "payment_intents_thread_id_fkey" FOREIGN KEY ("thread_id") REFERENCES "threads"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "payment_intents" ADD CONSTRAINT "payment_intents_payment_id_fkey" FOREIGN KEY ("payment_id") REFERENCES "payments"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "payments" ADD CONSTRAINT "payments_intent_id_fkey" FOREIGN KEY ("intent_id") REFERENCES "payment_intents"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "payments" ADD CONSTRAINT "payments_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
