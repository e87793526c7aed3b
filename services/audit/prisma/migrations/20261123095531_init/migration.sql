-- CreateTable
CREATE TABLE "activity_entry" (
    "seq" BIGSERIAL NOT NULL,
    "event_id" UUID NOT NULL,
    "workspace_id" UUID,
    "organisation_id" UUID NOT NULL,
    "action" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "actor_type" TEXT NOT NULL,
    "actor_id" TEXT,
    "actor_label" TEXT,
    "target_type" TEXT NOT NULL,
    "target_id" TEXT NOT NULL,
    "target_label" TEXT,
    "changes" JSONB NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "chain_key" TEXT NOT NULL,
    "chain_position" INTEGER NOT NULL,
    "previous_hash" TEXT NOT NULL,
    "entry_hash" TEXT NOT NULL,

    CONSTRAINT "activity_entry_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "outbox_event" (
    "seq" BIGSERIAL NOT NULL,
    "id" UUID NOT NULL,
    "topic" TEXT NOT NULL,
    "partition_key" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(3),

    CONSTRAINT "outbox_event_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "processed_event" (
    "event_id" UUID NOT NULL,
    "event_type" TEXT NOT NULL,
    "processed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "processed_event_pkey" PRIMARY KEY ("event_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "activity_entry_event_id_key" ON "activity_entry"("event_id");

-- CreateIndex
CREATE INDEX "activity_entry_workspace_id_occurred_at_seq_idx" ON "activity_entry"("workspace_id", "occurred_at" DESC, "seq" DESC);

-- CreateIndex
CREATE INDEX "activity_entry_organisation_id_idx" ON "activity_entry"("organisation_id");

-- CreateIndex
CREATE UNIQUE INDEX "activity_entry_chain_key_chain_position_key" ON "activity_entry"("chain_key", "chain_position");

-- CreateIndex
CREATE UNIQUE INDEX "outbox_event_id_key" ON "outbox_event"("id");

-- CreateIndex
CREATE INDEX "outbox_event_published_at_seq_idx" ON "outbox_event"("published_at", "seq");
