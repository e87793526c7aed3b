-- AlterTable
ALTER TABLE "outbox_event" ADD COLUMN     "park_reason" TEXT,
ADD COLUMN     "parked_at" TIMESTAMPTZ(3);

-- AlterTable: de-duplication per consumer group (ticketing had no consumer yet: the table is empty).
ALTER TABLE "processed_event" DROP CONSTRAINT "processed_event_pkey",
ADD COLUMN     "consumer_group" TEXT NOT NULL,
ADD CONSTRAINT "processed_event_pkey" PRIMARY KEY ("consumer_group", "event_id");

-- CreateIndex
CREATE INDEX "processed_event_processed_at_idx" ON "processed_event"("processed_at");
