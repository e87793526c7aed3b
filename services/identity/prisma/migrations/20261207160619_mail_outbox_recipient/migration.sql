-- AlterTable
ALTER TABLE "mail_outbox" ADD COLUMN     "user_id" UUID,
ADD COLUMN     "workspace_id" UUID;

-- CreateIndex
CREATE INDEX "mail_outbox_user_id_workspace_id_idx" ON "mail_outbox"("user_id", "workspace_id");
