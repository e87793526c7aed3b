-- AlterTable
ALTER TABLE "billing_account" DROP COLUMN "stripe_synced_at",
ADD COLUMN     "stripe_event_created" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "stripe_event" ADD COLUMN     "claimed_until" TIMESTAMPTZ(3),
ADD COLUMN     "outcome" TEXT,
ADD COLUMN     "subscription_id" TEXT;

-- CreateTable
CREATE TABLE "checkout_session" (
    "id" TEXT NOT NULL,
    "workspace_id" UUID NOT NULL,
    "open_for_workspace" UUID,
    "request_key" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "customer_id" TEXT,
    "subscription_id" TEXT,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "checkout_session_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "checkout_session_open_for_workspace_key" ON "checkout_session"("open_for_workspace");

-- CreateIndex
CREATE UNIQUE INDEX "checkout_session_subscription_id_key" ON "checkout_session"("subscription_id");

-- CreateIndex
CREATE INDEX "checkout_session_workspace_id_idx" ON "checkout_session"("workspace_id");

-- CreateIndex
CREATE INDEX "stripe_event_subscription_id_idx" ON "stripe_event"("subscription_id");
