import { afterAll, beforeAll, describe, expect, jest, test } from "@jest/globals";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SERVICES, servicePaths, type ServiceName } from "../services.js";
import { testStack } from "../../test/harness/stack.js";
import { checkMigrations } from "./migrations.js";

jest.setTimeout(120_000);

/** A scratch database per check, named after this test run's suffix so parallel runs never share one. */
function shadowDatabaseUrl(name: string): string {
  const { postgresServerUrl, databaseSuffix } = testStack();
  const url = new URL(postgresServerUrl);
  url.pathname = `/schemacheck_${name}${databaseSuffix}`;
  return url.toString();
}

describe("every service's schema.prisma agrees with its migrations (what `infra/db/cli.ts check` verifies)", () => {
  test.each([...SERVICES])("%s", async (service: ServiceName) => {
    const { schema, migrations } = servicePaths(service);
    const result = await checkMigrations({
      schemaPath: schema,
      migrationsDir: migrations,
      shadowDatabaseUrl: shadowDatabaseUrl(service),
    });
    // On failure, the drift is the SQL of the migration still to be written.
    expect(result).toEqual({ inSync: true, drift: "" });
  });
});

describe("the check reports a difference in an altered copy", () => {
  const { schema, migrations } = servicePaths("billing");
  let dir: string;
  let schemaCopy: string;
  let migrationsCopy: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "schema-check-"));
    schemaCopy = join(dir, "schema.prisma");
    migrationsCopy = join(dir, "migrations");
    await cp(schema, schemaCopy);
    await cp(migrations, migrationsCopy, { recursive: true });
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("the unaltered copy is in sync (the copy itself changes nothing)", async () => {
    const result = await checkMigrations({
      schemaPath: schemaCopy,
      migrationsDir: migrationsCopy,
      shadowDatabaseUrl: shadowDatabaseUrl("billing_copy"),
    });
    expect(result.inSync).toBe(true);
  });

  test("a field added to schema.prisma without a migration is reported, naming its column", async () => {
    const original = await readFile(schemaCopy, "utf8");
    const altered = original.replace(
      /(model BillingAccount \{\n)/,
      `$1  couponCode     String?       @map("coupon_code")\n`,
    );
    expect(altered).not.toBe(original);
    await writeFile(schemaCopy, altered);
    try {
      const { inSync, drift } = await checkMigrations({
        schemaPath: schemaCopy,
        migrationsDir: migrationsCopy,
        shadowDatabaseUrl: shadowDatabaseUrl("billing_copy"),
      });
      expect(inSync).toBe(false);
      expect(drift).toMatch(/ALTER TABLE "billing_account" ADD COLUMN\s+"coupon_code" TEXT/);
    } finally {
      await writeFile(schemaCopy, original);
    }
  });

  test("a migration that lost a statement is reported, naming what is missing", async () => {
    const [migrationName] = (await readdir(migrationsCopy, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    const scriptPath = join(migrationsCopy, migrationName ?? "", "migration.sql");
    const original = await readFile(scriptPath, "utf8");
    // Drop the outbox's index from the migration; schema.prisma still declares it.
    const altered = original.replace(/CREATE INDEX "outbox_event_published_at_seq_idx"[^;]*;/, "");
    expect(altered).not.toBe(original);
    await writeFile(scriptPath, altered);
    try {
      const { inSync, drift } = await checkMigrations({
        schemaPath: schemaCopy,
        migrationsDir: migrationsCopy,
        shadowDatabaseUrl: shadowDatabaseUrl("billing_copy"),
      });
      expect(inSync).toBe(false);
      expect(drift).toMatch(/CREATE INDEX "outbox_event_published_at_seq_idx"/);
    } finally {
      await writeFile(scriptPath, original);
    }
  });
});
