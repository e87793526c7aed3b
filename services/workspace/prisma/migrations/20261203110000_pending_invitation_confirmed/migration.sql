-- AlterTable
ALTER TABLE "pending_invitation" ADD COLUMN     "confirmed_at" TIMESTAMPTZ(3);

-- Rows that exist today were reserved by invitations identity recorded long ago.
UPDATE "pending_invitation" SET "confirmed_at" = "created_at";
