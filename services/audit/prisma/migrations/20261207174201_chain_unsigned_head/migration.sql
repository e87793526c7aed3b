-- CreateTable
CREATE TABLE "chain_unsigned_head" (
    "chain_key" TEXT NOT NULL,
    "position" INTEGER NOT NULL,

    CONSTRAINT "chain_unsigned_head_pkey" PRIMARY KEY ("chain_key")
);

-- Every existing chain, so the first periodic run after the upgrade signs any head left unsigned
-- (it used to find moved chains from entries numbered past what it had last seen, and a chain already
-- signed at its head just loses its row). Once, at the upgrade: the run itself reads only this table.
INSERT INTO "chain_unsigned_head" ("chain_key", "position")
SELECT "chain_key", max("chain_position") FROM "activity_entry" GROUP BY "chain_key";
