-- CreateEnum
CREATE TYPE "Plan" AS ENUM ('BASIC', 'PRO', 'UNLIMITED');

-- CreateEnum
CREATE TYPE "TicketAccess" AS ENUM ('ALL', 'ASSIGNED_TO_ME_OR_MY_TEAMS', 'ASSIGNED_TO_ME');

-- CreateEnum
CREATE TYPE "JoinRequestStatus" AS ENUM ('PENDING', 'APPROVED', 'REJECTED');

-- CreateEnum
CREATE TYPE "PersonOrgRole" AS ENUM ('ORG_ADMIN', 'MEMBER');

-- CreateEnum
CREATE TYPE "PersonStatus" AS ENUM ('ACTIVE', 'DISABLED', 'SUSPENDED');

-- AlterEnum
ALTER TYPE "BuiltInRole" ADD VALUE 'CUSTOM';

-- AlterTable
ALTER TABLE "membership" ADD COLUMN     "custom_role_id" UUID,
ADD COLUMN     "denied" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "granted" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "workspace" ADD COLUMN     "members_can_create_tickets" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "members_can_delete_tickets" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "members_can_edit_tickets" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "members_can_export_data" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "members_can_manage_excluded_chats" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "members_can_see_all_analytics" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "message_attribution" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "plan" "Plan" NOT NULL DEFAULT 'BASIC',
ADD COLUMN     "seats" INTEGER NOT NULL DEFAULT 3,
ADD COLUMN     "shared_broadcast_templates" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "tickets_enabled" BOOLEAN NOT NULL DEFAULT true;

-- CreateTable
CREATE TABLE "custom_role" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "permissions" TEXT[],
    "ticket_access" "TicketAccess" NOT NULL DEFAULT 'ALL',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "custom_role_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "team" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "team_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "team_member" (
    "team_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "team_member_pkey" PRIMARY KEY ("team_id","user_id")
);

-- CreateTable
CREATE TABLE "join_request" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "status" "JoinRequestStatus" NOT NULL DEFAULT 'PENDING',
    "message" TEXT,
    "role" "BuiltInRole",
    "custom_role_id" UUID,
    "decided_by" UUID,
    "decided_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "join_request_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_key" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "permissions" TEXT[],
    "created_by" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "rotated_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_key_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "person" (
    "user_id" UUID NOT NULL,
    "organisation_id" UUID NOT NULL,
    "org_role" "PersonOrgRole" NOT NULL DEFAULT 'MEMBER',
    "status" "PersonStatus" NOT NULL DEFAULT 'ACTIVE',
    "email" TEXT,
    "first_name" TEXT,
    "last_name" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "person_pkey" PRIMARY KEY ("user_id")
);

-- CreateTable
CREATE TABLE "pending_invitation" (
    "invitation_id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "role" "BuiltInRole" NOT NULL,
    "custom_role_id" UUID,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "pending_invitation_pkey" PRIMARY KEY ("invitation_id","workspace_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "custom_role_workspace_id_name_key" ON "custom_role"("workspace_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "team_workspace_id_name_key" ON "team"("workspace_id", "name");

-- CreateIndex
CREATE INDEX "team_member_user_id_idx" ON "team_member"("user_id");

-- CreateIndex
CREATE INDEX "join_request_workspace_id_status_idx" ON "join_request"("workspace_id", "status");

-- CreateIndex
CREATE INDEX "join_request_user_id_idx" ON "join_request"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "api_key_prefix_key" ON "api_key"("prefix");

-- CreateIndex
CREATE INDEX "api_key_workspace_id_idx" ON "api_key"("workspace_id");

-- CreateIndex
CREATE INDEX "person_organisation_id_idx" ON "person"("organisation_id");

-- CreateIndex
CREATE INDEX "pending_invitation_workspace_id_expires_at_idx" ON "pending_invitation"("workspace_id", "expires_at");

-- CreateIndex
CREATE INDEX "membership_custom_role_id_idx" ON "membership"("custom_role_id");

-- AddForeignKey
ALTER TABLE "membership" ADD CONSTRAINT "membership_custom_role_id_fkey" FOREIGN KEY ("custom_role_id") REFERENCES "custom_role"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "custom_role" ADD CONSTRAINT "custom_role_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "team" ADD CONSTRAINT "team_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "team_member" ADD CONSTRAINT "team_member_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "join_request" ADD CONSTRAINT "join_request_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_key" ADD CONSTRAINT "api_key_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pending_invitation" ADD CONSTRAINT "pending_invitation_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
