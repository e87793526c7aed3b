-- AlterTable
ALTER TABLE "billing_account" ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 1;
