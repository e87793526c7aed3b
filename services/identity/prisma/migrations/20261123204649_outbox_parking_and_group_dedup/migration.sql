-- AlterTable
ALTER TABLE "outbox_event" ADD COLUMN     "park_reason" TEXT,
ADD COLUMN     "parked_at" TIMESTAMPTZ(3);
