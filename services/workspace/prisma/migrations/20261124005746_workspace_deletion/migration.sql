-- CreateTable
CREATE TABLE "workspace_deletion" (
    "workspace_id" UUID NOT NULL,
    "organisation_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "requested_by" UUID NOT NULL,
    "requested_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "identity_purged_at" TIMESTAMPTZ(3),
    "ticketing_purged_at" TIMESTAMPTZ(3),
    "billing_purged_at" TIMESTAMPTZ(3),

    CONSTRAINT "workspace_deletion_pkey" PRIMARY KEY ("workspace_id")
);

-- CreateIndex
CREATE INDEX "workspace_deletion_organisation_id_idx" ON "workspace_deletion"("organisation_id");
