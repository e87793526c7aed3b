-- CreateTable
CREATE TABLE "chain_checkpoint" (
    "seq" BIGSERIAL NOT NULL,
    "chain_key" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "entry_hash" TEXT NOT NULL,
    "signed_at" TIMESTAMPTZ(3) NOT NULL,
    "key_id" TEXT NOT NULL,
    "signature" TEXT NOT NULL,

    CONSTRAINT "chain_checkpoint_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "deleted_workspace" (
    "workspace_id" UUID NOT NULL,
    "organisation_id" UUID NOT NULL,
    "deleted_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "deleted_workspace_pkey" PRIMARY KEY ("workspace_id")
);

-- CreateTable
CREATE TABLE "export_allowance" (
    "workspace_id" UUID NOT NULL,
    "last_requested_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "export_allowance_pkey" PRIMARY KEY ("workspace_id")
);

-- CreateTable
CREATE TABLE "activity_export" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "requested_by" UUID NOT NULL,
    "filter" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "consumed_at" TIMESTAMPTZ(3),

    CONSTRAINT "activity_export_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "chain_checkpoint_chain_key_seq_idx" ON "chain_checkpoint"("chain_key", "seq" DESC);

-- CreateIndex
CREATE INDEX "activity_entry_workspace_id_category_occurred_at_seq_idx" ON "activity_entry"("workspace_id", "category", "occurred_at" DESC, "seq" DESC);

-- CreateIndex
CREATE INDEX "activity_entry_workspace_id_action_occurred_at_seq_idx" ON "activity_entry"("workspace_id", "action", "occurred_at" DESC, "seq" DESC);

-- CreateIndex
CREATE INDEX "activity_entry_workspace_id_actor_id_occurred_at_seq_idx" ON "activity_entry"("workspace_id", "actor_id", "occurred_at" DESC, "seq" DESC);

-- CreateIndex
CREATE INDEX "activity_entry_workspace_id_target_type_target_id_occurred__idx" ON "activity_entry"("workspace_id", "target_type", "target_id", "occurred_at" DESC, "seq" DESC);

-- CreateIndex
CREATE INDEX "activity_entry_workspace_id_occurred_at_actor_type_actor_id_idx" ON "activity_entry"("workspace_id", "occurred_at", "actor_type", "actor_id", "category");

-- Append-only (issue 11, docs/adr/0008): no role the service runs as may change or remove
-- log entries or checkpoints. Only a superuser who disables triggers can, and the hash chain
-- with its signed checkpoints shows what was done.
-- The body is an E-string with the semicolon PL/pgSQL needs written as \073: Prisma's shadow-database
-- check splits scripts at every semicolon (adapter-pg executeScript), dollar-quoted bodies included.
CREATE FUNCTION refuse_activity_log_change() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  RAISE EXCEPTION ''% is append-only: % refused'', TG_TABLE_NAME, TG_OP USING ERRCODE = ''insufficient_privilege''\073
END
';

CREATE TRIGGER activity_entry_append_only BEFORE UPDATE OR DELETE ON "activity_entry"
  FOR EACH ROW EXECUTE FUNCTION refuse_activity_log_change();
CREATE TRIGGER activity_entry_no_truncate BEFORE TRUNCATE ON "activity_entry"
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_activity_log_change();
CREATE TRIGGER chain_checkpoint_append_only BEFORE UPDATE OR DELETE ON "chain_checkpoint"
  FOR EACH ROW EXECUTE FUNCTION refuse_activity_log_change();
CREATE TRIGGER chain_checkpoint_no_truncate BEFORE TRUNCATE ON "chain_checkpoint"
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_activity_log_change();
