-- CreateEnum
CREATE TYPE "NotificationKind" AS ENUM ('SLA_WARNING', 'SLA_BREACHED', 'TICKET_ASSIGNED');

-- CreateTable
CREATE TABLE "notification" (
    "id" UUID NOT NULL,
    "organisation_id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "recipient_user_id" UUID NOT NULL,
    "kind" "NotificationKind" NOT NULL,
    "ticket_id" UUID NOT NULL,
    "ticket_number" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "due_at" TIMESTAMPTZ(3),
    "source_event_id" UUID NOT NULL,
    "read_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "notification_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "notification_source_event_id_key" ON "notification"("source_event_id");

-- CreateIndex
CREATE INDEX "notification_recipient_user_id_created_at_id_idx" ON "notification"("recipient_user_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "notification_unread_idx" ON "notification"("recipient_user_id", "created_at", "id") WHERE (read_at IS NULL);

-- CreateIndex
CREATE INDEX "notification_ticket_id_idx" ON "notification"("ticket_id");

-- CreateIndex
CREATE UNIQUE INDEX "notification_sla_once_key" ON "notification"("ticket_id", "kind") WHERE (kind <> 'TICKET_ASSIGNED'::"NotificationKind");

-- AddForeignKey
ALTER TABLE "notification" ADD CONSTRAINT "notification_ticket_id_fkey" FOREIGN KEY ("ticket_id") REFERENCES "ticket"("id") ON DELETE CASCADE ON UPDATE CASCADE;
