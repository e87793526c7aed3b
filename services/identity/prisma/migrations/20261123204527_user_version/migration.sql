-- AlterTable
ALTER TABLE "user" ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 1;
