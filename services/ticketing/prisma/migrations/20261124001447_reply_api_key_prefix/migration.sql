-- AlterTable
ALTER TABLE "ticket_reply" ADD COLUMN     "author_api_key_prefix" TEXT;
