-- CreateIndex
CREATE INDEX "mail_outbox_workspace_id_idx" ON "mail_outbox"("workspace_id");
