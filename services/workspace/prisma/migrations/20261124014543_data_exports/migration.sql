-- CreateTable
CREATE TABLE "workspace_export" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "requested_by" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "consumed_at" TIMESTAMPTZ(3),

    CONSTRAINT "workspace_export_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "export_allowance" (
    "workspace_id" UUID NOT NULL,
    "last_requested_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "export_allowance_pkey" PRIMARY KEY ("workspace_id")
);

-- CreateIndex
CREATE INDEX "workspace_export_workspace_id_idx" ON "workspace_export"("workspace_id");

-- AddForeignKey
ALTER TABLE "workspace_export" ADD CONSTRAINT "workspace_export_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "export_allowance" ADD CONSTRAINT "export_allowance_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
