/**
 * Prisma Migrate without Prisma's native schema engine (which can't be downloaded here).
 *
 * - Computing migration SQL (createMigration, checkMigrations) uses Prisma's own schema engine, compiled
 *   to wasm, with its `migrations` diff source: it replays the migrations folder on a scratch shadow
 *   database and diffs the result against schema.prisma — what `prisma migrate dev` does.
 * - Applying migrations (applyMigrations) is done here with `pg`, not with the engine's applyMigrations.
 *   The engine's version works, but it leaves a failed migration recorded as failed (blocking every later
 *   deploy until someone runs `prisma migrate resolve`), and only logs a warning for edited migrations.
 *   Ours runs each migration and its `_prisma_migrations` row in one transaction, so a failure leaves no
 *   trace, and refuses to run when an applied migration was edited. The table, checksums and advisory
 *   lock are Prisma's own, so `prisma migrate deploy`/`status` agree with what we did.
 */
import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import pg from "pg";
import {
  checksumMatches,
  MIGRATION_LOCK_CONTENT,
  MIGRATION_LOCK_FILE,
  MIGRATION_SCRIPT_FILE,
  newMigrationName,
  readMigrationsFolder,
  toEngineMigrationList,
  type MigrationFile,
  type MigrationsFolder,
} from "./migrations-folder.js";
import { quoteIdentifier, withScratchDatabase } from "./postgres-admin.js";
import { withSchemaEngine, type SchemaContainer } from "./schema-engine.js";

export { dropDatabase, ensureDatabase } from "./postgres-admin.js";

/** The session-level advisory lock Prisma Migrate takes, so we also take turns with `prisma migrate`. */
const PRISMA_MIGRATE_LOCK_KEY = 72707369;

/** A migration that could not be applied, or whose history is inconsistent; `migrationName` says which. */
export class MigrationError extends Error {
  override readonly name = "MigrationError";

  constructor(
    message: string,
    readonly migrationName: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface ApplyMigrationsOptions {
  databaseUrl: string;
  migrationsDir: string;
  /** Role the migrations run as (`SET ROLE`), so that what they create belongs to it (infra/db/roles.ts). */
  role?: string;
  log?: (message: string) => void;
}

export interface MigrationDiffOptions {
  /** schema.prisma, or a folder of .prisma files. */
  schemaPath: string;
  migrationsDir: string;
  /** A database that is created fresh (dropped first if it exists) and dropped afterwards. */
  shadowDatabaseUrl: string;
}

export interface CreateMigrationOptions extends MigrationDiffOptions {
  name: string;
}

interface MigrationsTableRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/** Schema that holds the tables, like Prisma: the URL's `?schema=`, else public. */
function schemaNameOf(databaseUrl: string): string {
  return new URL(databaseUrl).searchParams.get("schema") ?? "public";
}

function migrationsTableDdl(table: string): string {
  // Prisma Migrate's own definition of the table, column for column.
  return `CREATE TABLE IF NOT EXISTS ${table} (
    "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"            VARCHAR(64) NOT NULL,
    "finished_at"         TIMESTAMPTZ,
    "migration_name"      VARCHAR(255) NOT NULL,
    "logs"                TEXT,
    "rolled_back_at"      TIMESTAMPTZ,
    "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
  )`;
}

async function acquireMigrateLock(client: pg.Client, log: (message: string) => void): Promise<void> {
  const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [
    PRISMA_MIGRATE_LOCK_KEY,
  ]);
  if (rows[0]?.locked) return;
  log("Waiting for another migration run on this database to finish");
  await client.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATE_LOCK_KEY]);
}

/** The folder's migrations that still need applying; throws when the recorded history forbids applying. */
async function pendingMigrations(
  client: pg.Client,
  table: string,
  folder: MigrationsFolder,
  log: (message: string) => void,
): Promise<MigrationFile[]> {
  const { rows } = await client.query<MigrationsTableRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at FROM ${table} ORDER BY started_at`,
  );
  const current = rows.filter((row) => row.rolled_back_at === null); // rolled-back rows are history only

  const failed = current.filter((row) => row.finished_at === null).map((row) => row.migration_name);
  if (failed[0] !== undefined) {
    throw new MigrationError(
      `Migration ${failed.join(", ")} is recorded as failed in _prisma_migrations ` +
        "(by an earlier prisma migrate run). Repair the database, then mark it with " +
        "`prisma migrate resolve` or delete its row.",
      failed[0],
    );
  }

  const appliedByName = new Map(current.map((row) => [row.migration_name, row]));
  const edited = folder.migrations.filter((migration) => {
    const applied = appliedByName.get(migration.name);
    return applied !== undefined && !checksumMatches(migration.script, applied.checksum);
  });
  if (edited[0] !== undefined) {
    throw new MigrationError(
      `Migration ${edited.map((migration) => migration.name).join(", ")} was modified after it was applied ` +
        "(its checksum differs from the one recorded in _prisma_migrations). Restore the applied version " +
        "and put further changes in a new migration.",
      edited[0].name,
    );
  }

  const inFolder = new Set(folder.migrations.map((migration) => migration.name));
  for (const name of appliedByName.keys()) {
    if (!inFolder.has(name)) log(`Warning: migration ${name} is applied to the database but is not in ${folder.dir}`);
  }
  return folder.migrations.filter((migration) => !appliedByName.has(migration.name));
}

/** The PostgreSQL error with the line of the script it points at, when it says. */
function describeFailure(error: unknown, script: string): string {
  if (!(error instanceof Error)) return String(error);
  const { position, detail, hint } = error as Error & { position?: string; detail?: string; hint?: string };
  const parts = [error.message];
  if (position) {
    const line = script.slice(0, Number(position)).split("\n").length; // position: 1-based offset into the script
    parts.push(`at line ${line} of ${MIGRATION_SCRIPT_FILE}`);
  }
  if (detail) parts.push(`detail: ${detail}`);
  if (hint) parts.push(`hint: ${hint}`);
  return parts.join("; ");
}

async function applyMigration(client: pg.Client, table: string, migration: MigrationFile): Promise<void> {
  const id = randomUUID();
  try {
    await client.query("BEGIN");
    await client.query(
      `INSERT INTO ${table} (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, clock_timestamp())`,
      [id, migration.checksum, migration.name],
    );
    await client.query(migration.script); // no parameters: simple query protocol, so multi-statement scripts run
    await client.query(`UPDATE ${table} SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1`, [
      id,
    ]);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {}); // the connection may be gone; then so is the transaction
    throw new MigrationError(
      `Migration ${migration.name} failed and was rolled back: ${describeFailure(error, migration.script)}`,
      migration.name,
      { cause: error },
    );
  }
}

/**
 * Applies the pending migrations of `migrationsDir` to the database, in order, each in its own
 * transaction together with its `_prisma_migrations` row. Concurrent callers take turns (Prisma's
 * advisory lock) and so never apply a migration twice.
 */
export async function applyMigrations({
  databaseUrl,
  migrationsDir,
  role,
  log = () => {},
}: ApplyMigrationsOptions): Promise<{ applied: string[] }> {
  const folder = await readMigrationsFolder(migrationsDir);
  const schemaName = schemaNameOf(databaseUrl);
  const table = `${quoteIdentifier(schemaName)}."_prisma_migrations"`;
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on("error", () => {}); // a lost connection surfaces as the failure of the query in flight
  await client.connect();
  try {
    if (role !== undefined) await client.query(`SET ROLE ${quoteIdentifier(role)}`);
    await acquireMigrateLock(client, log); // released when the connection closes
    if (schemaName !== "public") await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schemaName)}`);
    // Prisma's generated SQL names tables without a schema, and Prisma Migrate runs it with this search_path.
    await client.query(`SET search_path TO ${quoteIdentifier(schemaName)}`);
    await client.query(migrationsTableDdl(table));

    const applied: string[] = [];
    for (const migration of await pendingMigrations(client, table, folder, log)) {
      const startedAt = Date.now();
      log(`Applying migration ${migration.name}`);
      await applyMigration(client, table, migration);
      log(`Applied migration ${migration.name} (${Date.now() - startedAt} ms)`);
      applied.push(migration.name);
    }
    return { applied };
  } finally {
    await client.end();
  }
}

async function readSchemaFiles(schemaPath: string): Promise<SchemaContainer[]> {
  const path = resolve(schemaPath);
  if (!(await stat(path)).isDirectory()) return [{ path, content: await readFile(path, "utf8") }];
  const names = (await readdir(path, { recursive: true })).filter((name) => name.endsWith(".prisma")).sort();
  return Promise.all(
    names.map(async (name) => ({ path: join(path, name), content: await readFile(join(path, name), "utf8") })),
  );
}

/** SQL taking the database state the migrations produce to the one schema.prisma describes. */
async function diffMigrationsToSchema(
  options: MigrationDiffOptions,
): Promise<{ folder: MigrationsFolder; inSync: boolean; sql: string }> {
  const [schemaFiles, folder] = await Promise.all([
    readSchemaFiles(options.schemaPath),
    readMigrationsFolder(options.migrationsDir),
  ]);
  const { shadowDatabaseUrl } = options;
  const result = await withScratchDatabase(shadowDatabaseUrl, () =>
    withSchemaEngine({ databaseUrl: shadowDatabaseUrl, schemaFiles }, (engine) =>
      engine.diff({
        from: { tag: "migrations", ...toEngineMigrationList(folder) },
        to: { tag: "schemaDatamodel", files: schemaFiles },
        script: true,
        exitCode: true, // exitCode 2 then means "there is a difference"
        filters: { externalTables: [], externalEnums: [] },
      }),
    ),
  );
  const inSync = result.exitCode === 0;
  return { folder, inSync, sql: inSync ? "" : (result.stdout ?? "") };
}

/**
 * Writes `<migrationsDir>/<YYYYMMDDHHMMSS>_<name>/migration.sql` with the SQL that brings the migrations
 * up to schema.prisma (and migration_lock.toml if missing). `created` is the new migration's directory
 * name, or null — with nothing written — when the migrations already match the schema.
 */
export async function createMigration(
  options: CreateMigrationOptions,
): Promise<{ created: string | null; sql: string }> {
  newMigrationName(options.name, []); // reject an unusable name before the slow part
  const { folder, inSync, sql } = await diffMigrationsToSchema(options);
  if (inSync) return { created: null, sql: "" };

  const created = newMigrationName(
    options.name,
    folder.migrations.map((migration) => migration.name),
  );
  await mkdir(join(folder.dir, created), { recursive: true });
  await writeFile(join(folder.dir, created, MIGRATION_SCRIPT_FILE), sql, { flag: "wx" });
  if (folder.lockfile === null) await writeFile(join(folder.dir, MIGRATION_LOCK_FILE), MIGRATION_LOCK_CONTENT);
  return { created, sql };
}

/** Whether the migrations produce what schema.prisma describes; `drift` is the SQL still missing ("" if none). */
export async function checkMigrations(options: MigrationDiffOptions): Promise<{ inSync: boolean; drift: string }> {
  const { inSync, sql } = await diffMigrationsToSchema(options);
  return { inSync, drift: sql };
}
