-- AlterTable
ALTER TABLE "billing_account" ADD COLUMN     "requested_seats" INTEGER,
ADD COLUMN     "seats_requested_at" TIMESTAMPTZ(3);
