-- CreateEnum
CREATE TYPE "TicketFieldType" AS ENUM ('TEXT', 'NUMBER', 'BOOLEAN', 'DATE', 'SINGLE_SELECT');

-- CreateEnum
CREATE TYPE "ReplyStatus" AS ENUM ('PUBLISHED', 'PENDING_APPROVAL', 'REJECTED');

-- CreateEnum
CREATE TYPE "SlaRecipient" AS ENUM ('ASSIGNEE_OR_CREATOR', 'ASSIGNEE', 'CREATOR');

-- AlterTable
ALTER TABLE "ticket" ADD COLUMN     "assignee_id" UUID,
ADD COLUMN     "creator_api_key_id" UUID,
ADD COLUMN     "field_values" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "organisation_id" UUID NOT NULL,
ADD COLUMN     "priority_rank" INTEGER NOT NULL DEFAULT 2,
-- Generated, so no write path can forget it (Prisma sees an unsupported nullable column).
ADD COLUMN     "search_vector" tsvector GENERATED ALWAYS AS (to_tsvector('english'::regconfig, "title" || ' ' || "description")) STORED,
ADD COLUMN     "sla_breached_at" TIMESTAMPTZ(3),
ADD COLUMN     "sla_due_at" TIMESTAMPTZ(3),
ADD COLUMN     "sla_warn_at" TIMESTAMPTZ(3),
ADD COLUMN     "sla_warned_at" TIMESTAMPTZ(3),
ADD COLUMN     "team_id" UUID;

-- CreateTable
CREATE TABLE "ticket_field" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "type" "TicketFieldType" NOT NULL,
    "options" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "position" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ticket_field_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ticket_reply" (
    "id" UUID NOT NULL,
    "ticket_id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "body" TEXT NOT NULL,
    "internal" BOOLEAN NOT NULL DEFAULT false,
    "author_user_id" UUID,
    "author_api_key_id" UUID,
    "status" "ReplyStatus" NOT NULL DEFAULT 'PUBLISHED',
    "decided_by" UUID,
    "decided_at" TIMESTAMPTZ(3),
    "rejection_reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ticket_reply_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sla_policy" (
    "workspace_id" UUID NOT NULL,
    "hours" DOUBLE PRECISION,
    "warning_lead_minutes" DOUBLE PRECISION NOT NULL DEFAULT 60,
    "recipient" "SlaRecipient" NOT NULL DEFAULT 'ASSIGNEE_OR_CREATOR',
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "sla_policy_pkey" PRIMARY KEY ("workspace_id")
);

-- CreateIndex
CREATE INDEX "ticket_field_workspace_id_position_idx" ON "ticket_field"("workspace_id", "position");

-- CreateIndex
CREATE INDEX "ticket_reply_ticket_id_created_at_idx" ON "ticket_reply"("ticket_id", "created_at");

-- CreateIndex
CREATE INDEX "ticket_workspace_id_created_at_id_idx" ON "ticket"("workspace_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "ticket_workspace_id_updated_at_id_idx" ON "ticket"("workspace_id", "updated_at", "id");

-- CreateIndex
CREATE INDEX "ticket_workspace_id_priority_rank_id_idx" ON "ticket"("workspace_id", "priority_rank", "id");

-- CreateIndex
CREATE INDEX "ticket_workspace_id_sla_due_at_id_idx" ON "ticket"("workspace_id", "sla_due_at", "id");

-- CreateIndex
CREATE INDEX "ticket_workspace_id_assignee_id_idx" ON "ticket"("workspace_id", "assignee_id");

-- CreateIndex
CREATE INDEX "ticket_workspace_id_team_id_idx" ON "ticket"("workspace_id", "team_id");

-- CreateIndex
CREATE INDEX "ticket_sla_warn_at_idx" ON "ticket"("sla_warn_at");

-- CreateIndex
CREATE INDEX "ticket_sla_due_at_idx" ON "ticket"("sla_due_at");

-- CreateIndex
CREATE INDEX "ticket_search_vector_idx" ON "ticket" USING GIN ("search_vector");

-- AddForeignKey
ALTER TABLE "ticket_reply" ADD CONSTRAINT "ticket_reply_ticket_id_fkey" FOREIGN KEY ("ticket_id") REFERENCES "ticket"("id") ON DELETE CASCADE ON UPDATE CASCADE;
