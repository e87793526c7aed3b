-- AlterTable
ALTER TABLE "person" ADD COLUMN     "deleted_at" TIMESTAMPTZ(3),
ADD COLUMN     "user_version" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "workspace" ADD COLUMN     "billing_version" INTEGER NOT NULL DEFAULT 0;
