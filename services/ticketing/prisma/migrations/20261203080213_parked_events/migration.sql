-- CreateTable
CREATE TABLE "parked_event" (
    "seq" BIGSERIAL NOT NULL,
    "consumer_group" TEXT NOT NULL,
    "aggregate_key" TEXT NOT NULL,
    "event_id" UUID NOT NULL,
    "event_type" TEXT NOT NULL,
    "message_key" BYTEA,
    "message_value" BYTEA NOT NULL,
    "message_headers" JSONB NOT NULL DEFAULT '{}',
    "origin_topic" TEXT NOT NULL,
    "origin_partition" INTEGER NOT NULL,
    "origin_offset" BIGINT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "retries" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL,
    "failing_since" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "parked_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "parked_event_pkey" PRIMARY KEY ("seq")
);

-- CreateIndex
CREATE INDEX "parked_event_consumer_group_aggregate_key_seq_idx" ON "parked_event"("consumer_group", "aggregate_key", "seq");

-- CreateIndex
CREATE INDEX "parked_event_consumer_group_next_attempt_at_idx" ON "parked_event"("consumer_group", "next_attempt_at");

-- CreateIndex
CREATE UNIQUE INDEX "parked_event_consumer_group_event_id_key" ON "parked_event"("consumer_group", "event_id");
