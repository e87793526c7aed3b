import pg from "pg";

/** Database that CREATE/DROP DATABASE statements run from; every PostgreSQL server has it. */
const MAINTENANCE_DATABASE = "postgres";

export function quoteIdentifier(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

export function databaseNameOf(databaseUrl: string): string {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, ""));
  if (!name) throw new Error(`No database name in ${redactUrl(databaseUrl)}`);
  return name;
}

/** The URL without its password, for messages. */
export function redactUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  if (url.password) url.password = "***";
  return url.toString();
}

async function withMaintenanceClient<T>(databaseUrl: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const url = new URL(databaseUrl);
  url.pathname = `/${MAINTENANCE_DATABASE}`;
  url.search = "";
  const client = new pg.Client({ connectionString: url.toString() });
  client.on("error", () => {}); // a dropped connection surfaces as the failure of the query in flight
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

function isDuplicateDatabaseError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  // 42P04 duplicate_database; 23505 when a concurrent CREATE DATABASE wins the race on pg_database's unique index
  return code === "42P04" || code === "23505";
}

/** Creates the database named in `databaseUrl` unless it exists. Returns whether it was created. */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const name = databaseNameOf(databaseUrl);
  return withMaintenanceClient(databaseUrl, async (client) => {
    const existing = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (existing.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
      return true;
    } catch (error) {
      if (isDuplicateDatabaseError(error)) return false;
      throw error;
    }
  });
}

/** Drops the database named in `databaseUrl` if it exists, disconnecting its sessions (PostgreSQL 13+). */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const name = databaseNameOf(databaseUrl);
  await withMaintenanceClient(databaseUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
  });
}

/**
 * Runs `use` against a freshly created, empty database named in `databaseUrl`, and drops it afterwards.
 * An advisory lock on the database name keeps concurrent callers that share the name from dropping it
 * under each other; they take turns instead.
 */
export async function withScratchDatabase<T>(databaseUrl: string, use: () => Promise<T>): Promise<T> {
  const name = databaseNameOf(databaseUrl);
  return withMaintenanceClient(databaseUrl, async (client) => {
    const lockKey = `scratch-database:${name}`;
    await client.query("SELECT pg_advisory_lock(hashtext($1))", [lockKey]);
    try {
      await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
      await client.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
      try {
        return await use();
      } finally {
        await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
      }
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtext($1))", [lockKey]);
    }
  });
}
