import { afterAll, beforeAll, describe, expect, jest, test } from "@jest/globals";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import {
  applyMigrations,
  checkMigrations,
  createMigration,
  dropDatabase,
  ensureDatabase,
  MigrationError,
} from "./migrations.js";

jest.setTimeout(60_000);

const serverUrl = process.env.POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const runId = `${process.pid}_${randomBytes(3).toString("hex")}`;

function databaseUrl(name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/migrations_test_${runId}_${name}`;
  return url.toString();
}

const NOTE_SCHEMA = `datasource db {
  provider = "postgresql"
}

model Note {
  id        Int      @id @default(autoincrement())
  title     String
  createdAt DateTime @default(now())
}
`;

const NOTE_SCHEMA_WITH_BODY = NOTE_SCHEMA.replace("  title     String\n", "  title     String\n  body      String?\n");

let workDir: string;
let schemaPath: string;
let migrationsDir: string;
const shadowDatabaseUrl = databaseUrl("shadow");
const createdDatabases: string[] = [];

/** A database that did not exist before, dropped after the suite. */
async function freshDatabase(name: string): Promise<string> {
  const url = databaseUrl(name);
  createdDatabases.push(url);
  await dropDatabase(url);
  await ensureDatabase(url);
  return url;
}

async function query<Row extends pg.QueryResultRow>(url: string, sql: string): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(sql)).rows;
  } finally {
    await client.end();
  }
}

async function migrationNames(): Promise<string[]> {
  return (await readdir(migrationsDir, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

function sha256(content: Buffer): string {
  return createHash("sha256").update(content).digest("hex");
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "migrations-test-"));
  schemaPath = join(workDir, "schema.prisma");
  migrationsDir = join(workDir, "migrations");
  await writeFile(schemaPath, NOTE_SCHEMA);
});

afterAll(async () => {
  await Promise.all([...createdDatabases, shadowDatabaseUrl].map((url) => dropDatabase(url)));
  await rm(workDir, { recursive: true, force: true });
});

// The steps build on each other (one schema evolving in one folder), so they run in order.
describe("migrations", () => {
  let initName: string;
  let addBodyName: string;

  test("createMigration on an empty folder writes a migration that creates the table", async () => {
    const { created, sql } = await createMigration({ schemaPath, migrationsDir, name: "init", shadowDatabaseUrl });

    expect(created).toMatch(/^\d{14}_init$/);
    initName = created ?? "";
    expect(sql).toContain('CREATE TABLE "Note"');
    expect(sql).not.toContain("CREATE SCHEMA"); // diffed against a real (shadow) database, like prisma migrate dev
    expect(await readFile(join(migrationsDir, initName, "migration.sql"), "utf8")).toBe(sql);
    expect(await readFile(join(migrationsDir, "migration_lock.toml"), "utf8")).toContain('provider = "postgresql"');
  });

  test("checkMigrations then reports the migrations in sync", async () => {
    const result = await checkMigrations({ schemaPath, migrationsDir, shadowDatabaseUrl });
    expect(result).toEqual({ inSync: true, drift: "" });
  });

  test("createMigration without schema changes writes nothing", async () => {
    expect(await createMigration({ schemaPath, migrationsDir, name: "nothing", shadowDatabaseUrl })).toEqual({
      created: null,
      sql: "",
    });
    expect(await migrationNames()).toEqual([initName]);
  });

  test("after a field is added, checkMigrations reports drift naming the new column", async () => {
    await writeFile(schemaPath, NOTE_SCHEMA_WITH_BODY);

    const { inSync, drift } = await checkMigrations({ schemaPath, migrationsDir, shadowDatabaseUrl });

    expect(inSync).toBe(false);
    expect(drift).toMatch(/ALTER TABLE "Note" ADD COLUMN\s+"body" TEXT/);
    expect(await migrationNames()).toEqual([initName]); // check writes nothing
  });

  test("createMigration writes the second migration after the first", async () => {
    const { created, sql } = await createMigration({ schemaPath, migrationsDir, name: "add body", shadowDatabaseUrl });

    expect(created).toMatch(/^\d{14}_add_body$/);
    addBodyName = created ?? "";
    expect(sql).toContain('"body"');
    expect(await migrationNames()).toEqual([initName, addBodyName]);
    expect((await checkMigrations({ schemaPath, migrationsDir, shadowDatabaseUrl })).inSync).toBe(true);
  });

  test("applyMigrations applies them in order and records them like Prisma Migrate", async () => {
    const url = await freshDatabase("apply");
    const logged: string[] = [];

    const { applied } = await applyMigrations({ databaseUrl: url, migrationsDir, log: (line) => logged.push(line) });

    expect(applied).toEqual([initName, addBodyName]);
    expect(logged.join("\n")).toContain(initName);
    type MigrationRow = { migration_name: string; checksum: string; finished: boolean; applied_steps_count: number };
    const rows = await query<MigrationRow>(
      url,
      `SELECT migration_name, checksum, finished_at IS NOT NULL AS finished, applied_steps_count
       FROM _prisma_migrations ORDER BY started_at`,
    );
    const expectedRows = await Promise.all(
      [initName, addBodyName].map(async (name) => ({
        migration_name: name,
        checksum: sha256(await readFile(join(migrationsDir, name, "migration.sql"))),
        finished: true,
        applied_steps_count: 1,
      })),
    );
    expect(rows).toEqual(expectedRows);
    const columns = await query<{ column_name: string }>(
      url,
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'Note' ORDER BY column_name`,
    );
    expect(columns.map((column) => column.column_name)).toEqual(["body", "createdAt", "id", "title"]);
  });

  test("applyMigrations again applies nothing", async () => {
    expect(await applyMigrations({ databaseUrl: databaseUrl("apply"), migrationsDir })).toEqual({ applied: [] });
  });

  test("concurrent applyMigrations apply each migration once", async () => {
    const url = await freshDatabase("concurrent");

    const results = await Promise.all([1, 2, 3].map(() => applyMigrations({ databaseUrl: url, migrationsDir })));

    expect(results.flatMap((result) => result.applied).sort()).toEqual([initName, addBodyName]);
    const [count] = await query<{ count: string }>(url, "SELECT count(*) FROM _prisma_migrations");
    expect(count?.count).toBe("2");
  });

  test("a failing migration is rolled back, left unrecorded, and named", async () => {
    const url = await freshDatabase("failing");
    const brokenName = "29990101000000_broken";
    await mkdir(join(migrationsDir, brokenName));
    await writeFile(
      join(migrationsDir, brokenName, "migration.sql"),
      'CREATE TABLE "Partial" ("id" INTEGER);\nALTER TABLE "Note" ADD COLUMN "x" NO_SUCH_TYPE;\n',
    );
    try {
      const failure = await applyMigrations({ databaseUrl: url, migrationsDir }).catch((error: unknown) => error);

      expect(failure).toBeInstanceOf(MigrationError);
      expect(failure).toHaveProperty("migrationName", brokenName);
      expect(String(failure)).toMatch(/29990101000000_broken failed.*type "no_such_type" does not exist.*line 2/);
      const recorded = await query<{ migration_name: string }>(url, "SELECT migration_name FROM _prisma_migrations");
      expect(recorded.map((row) => row.migration_name).sort()).toEqual([initName, addBodyName]);
      const [partial] = await query<{ exists: string | null }>(url, `SELECT to_regclass('"Partial"') AS exists`);
      expect(partial?.exists).toBeNull();
    } finally {
      await rm(join(migrationsDir, brokenName), { recursive: true });
    }
  });

  test("an applied migration whose file changed is an error naming it", async () => {
    const scriptPath = join(migrationsDir, initName, "migration.sql");
    const original = await readFile(scriptPath, "utf8");
    await writeFile(scriptPath, `${original}\n-- edited after it was applied\n`);

    const failure = await applyMigrations({ databaseUrl: databaseUrl("apply"), migrationsDir }).catch(
      (error: unknown) => error,
    );

    expect(failure).toBeInstanceOf(MigrationError);
    expect(failure).toHaveProperty("migrationName", initName);
    expect(String(failure)).toContain(`${initName} was modified after it was applied`);
  });
});
