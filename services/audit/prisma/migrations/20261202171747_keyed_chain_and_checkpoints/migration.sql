-- Keyed hash chain, chained checkpoints, verification progress and its rate limit (issue 19, docs/adr/0008).
-- key_id stays null for entries written before the chain was keyed: they are accepted only up to a
-- signed legacy seal (a chain_checkpoint with seals_legacy) that the service writes at its first start.

-- AlterTable
ALTER TABLE "activity_entry" ADD COLUMN     "key_id" TEXT;

-- AlterTable
ALTER TABLE "chain_checkpoint" ADD COLUMN     "previous_signature" TEXT,
ADD COLUMN     "seals_legacy" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "version" SMALLINT NOT NULL DEFAULT 1;

-- CreateTable
CREATE TABLE "chain_verification" (
    "seq" BIGSERIAL NOT NULL,
    "chain_key" TEXT NOT NULL,
    "checkpoint_seq" BIGINT NOT NULL,
    "verified_at" TIMESTAMPTZ(3) NOT NULL,
    "key_id" TEXT NOT NULL,
    "signature" TEXT NOT NULL,

    CONSTRAINT "chain_verification_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "verify_throttle" (
    "key" TEXT NOT NULL,
    "points" INTEGER NOT NULL,
    "expire" TIMESTAMPTZ(3),

    CONSTRAINT "verify_throttle_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "chain_verification_chain_key_seq_idx" ON "chain_verification"("chain_key", "seq" DESC);

-- Verification progress is insert-only like the log: the runtime role needs INSERT and SELECT only.
CREATE TRIGGER chain_verification_append_only BEFORE UPDATE OR DELETE ON "chain_verification"
  FOR EACH ROW EXECUTE FUNCTION refuse_activity_log_change();
CREATE TRIGGER chain_verification_no_truncate BEFORE TRUNCATE ON "chain_verification"
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_activity_log_change();
