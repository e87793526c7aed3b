-- AlterTable
ALTER TABLE "billing_account" ADD COLUMN     "cancel_at_period_end" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "stripe_customer_id" TEXT,
ADD COLUMN     "stripe_subscription_id" TEXT,
ADD COLUMN     "stripe_synced_at" TIMESTAMPTZ(3),
ADD COLUMN     "trial_end" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "stripe_event" (
    "id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processed_at" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "locked_until" TIMESTAMPTZ(3),
    "last_error" TEXT,

    CONSTRAINT "stripe_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "subscription_cancellation" (
    "workspace_id" UUID NOT NULL,
    "subscription_id" TEXT NOT NULL,
    "requested_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "confirmed_at" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "locked_until" TIMESTAMPTZ(3),
    "last_error" TEXT,

    CONSTRAINT "subscription_cancellation_pkey" PRIMARY KEY ("workspace_id")
);

-- CreateIndex
CREATE INDEX "stripe_event_processed_at_received_at_idx" ON "stripe_event"("processed_at", "received_at");

-- CreateIndex
CREATE INDEX "subscription_cancellation_confirmed_at_idx" ON "subscription_cancellation"("confirmed_at");

-- CreateIndex
CREATE UNIQUE INDEX "billing_account_stripe_customer_id_key" ON "billing_account"("stripe_customer_id");

-- CreateIndex
CREATE UNIQUE INDEX "billing_account_stripe_subscription_id_key" ON "billing_account"("stripe_subscription_id");
