-- CreateTable
CREATE TABLE "activity_daily_count" (
    "workspace_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "actor_type" TEXT NOT NULL,
    "actor_id" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "count" INTEGER NOT NULL,

    CONSTRAINT "activity_daily_count_pkey" PRIMARY KEY ("workspace_id","day","actor_type","actor_id","category")
);
