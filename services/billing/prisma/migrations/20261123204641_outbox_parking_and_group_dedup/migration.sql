-- AlterTable
ALTER TABLE "outbox_event" ADD COLUMN     "park_reason" TEXT,
ADD COLUMN     "parked_at" TIMESTAMPTZ(3);

-- AlterTable: de-duplication per consumer group. Ids recorded so far belong to the consumer
-- group(s) this service had when they were recorded.
ALTER TABLE "processed_event" ADD COLUMN     "consumer_group" TEXT;
UPDATE "processed_event" SET "consumer_group" = 'billing.workspaces';
ALTER TABLE "processed_event" ALTER COLUMN "consumer_group" SET NOT NULL,
DROP CONSTRAINT "processed_event_pkey",
ADD CONSTRAINT "processed_event_pkey" PRIMARY KEY ("consumer_group", "event_id");

-- CreateIndex
CREATE INDEX "processed_event_processed_at_idx" ON "processed_event"("processed_at");
