-- AlterTable
ALTER TABLE "activity_export" ADD COLUMN     "link_version" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "requester" JSONB;
