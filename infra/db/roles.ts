/**
 * The PostgreSQL roles each service's database is used through (docs/adr/0014):
 *
 * - `<database>_owner` (NOLOGIN, not a superuser): owns the database, its schema objects and every
 *   table. Nobody logs in as it; migrations run on an admin connection that assumes it (`SET ROLE`),
 *   so what they create belongs to it.
 * - `<database>_app` (LOGIN, not a superuser, no CREATEDB/CREATEROLE/REPLICATION/BYPASSRLS): what the
 *   service connects as at run time. It may connect to its own database only (CONNECT is revoked
 *   from PUBLIC), SELECT/INSERT/UPDATE/DELETE its tables (default privileges of the owner role grant
 *   that on every table a later migration creates) and use their sequences. No TRUNCATE, TRIGGER or
 *   REFERENCES, no DDL, no `_prisma_migrations`. On a service's append-only tables (audit:
 *   `activity_entry`, `chain_checkpoint`) it keeps only INSERT and SELECT.
 *
 * A role's password is env `<ROLE>_PASSWORD` (upper case, e.g. `SUPPORT_AUDIT_APP_PASSWORD`) when set,
 * else derived from a secret (env `DATABASE_ROLE_SECRET`, else `.local/database-role-secret`, created
 * once per machine). The server only ever receives a SCRAM-SHA-256 verifier, never the password.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import pg from "pg";
import { databaseNameFor, REPO_ROOT, type ServiceName } from "../services.js";
import { databaseNameOf, quoteIdentifier } from "./postgres-admin.js";

/**
 * Tables whose rows the runtime role may only add and read (no UPDATE, DELETE or TRUNCATE), per
 * service. Every other table of the service's schema gets SELECT, INSERT, UPDATE and DELETE.
 * A table listed before its migration exists is skipped until it does. A new append-only table
 * needs its name here (and its migration's triggers); any other new table needs nothing.
 */
export const APPEND_ONLY_TABLES: Readonly<Partial<Record<ServiceName, readonly string[]>>> = {
  audit: ["activity_entry", "chain_checkpoint", "chain_verification"],
};

/** The schema the services' tables live in (no service sets `?schema=`). */
const SCHEMA = "public";

export interface DatabaseRoles {
  /** Owns the database and its tables; NOLOGIN. */
  owner: string;
  /** What the service connects as. */
  app: string;
}

export function rolesFor(databaseName: string): DatabaseRoles {
  if (!/^[a-z][a-z0-9_]{0,52}$/.test(databaseName)) throw new Error(`unsafe database name ${databaseName}`);
  return { owner: `${databaseName}_owner`, app: `${databaseName}_app` };
}

const SECRET_FILE = `${REPO_ROOT}/.local/database-role-secret`;

/** The per-machine secret passwords are derived from; created atomically, so parallel stacks agree on it. */
function roleSecret(): string {
  if (process.env.DATABASE_ROLE_SECRET) return process.env.DATABASE_ROLE_SECRET;
  if (!existsSync(SECRET_FILE)) {
    mkdirSync(`${REPO_ROOT}/.local`, { recursive: true });
    const temporary = `${SECRET_FILE}.${process.pid}.${randomBytes(4).toString("hex")}`;
    writeFileSync(temporary, randomBytes(32).toString("base64url"), { mode: 0o600 });
    try {
      linkSync(temporary, SECRET_FILE); // fails with EEXIST when another process got there first
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    } finally {
      rmSync(temporary, { force: true });
    }
  }
  return readFileSync(SECRET_FILE, "utf8").trim();
}

/** A login role's password: env `<ROLE>_PASSWORD`, else HMAC-SHA256(secret, role name). */
export function rolePassword(role: string): string {
  const fromEnv = process.env[`${role.toUpperCase()}_PASSWORD`];
  if (fromEnv) return fromEnv;
  return createHmac("sha256", roleSecret()).update(`postgres-role:${role}`).digest("base64url");
}

/** The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802/7677), so the password never travels. */
export function scramVerifier(password: string, iterations = 4096): string {
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password.normalize("NFKC"), salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

/** `serverUrl` (any database, any user) turned into the URL `service` connects with at run time. */
export function runtimeDatabaseUrl(service: ServiceName, serverUrl: string, databaseSuffix: string): string {
  const databaseName = databaseNameFor(service, databaseSuffix);
  const { app } = rolesFor(databaseName);
  const url = new URL(serverUrl);
  url.pathname = `/${databaseName}`;
  url.username = app;
  url.password = rolePassword(app);
  return url.toString();
}

function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * Statements run on any database of the server, before migrations: the two roles (created when
 * missing, their attributes set every time), the database's owner and who may connect to it.
 */
export function serverStatements(databaseName: string): string[] {
  const { owner, app } = rolesFor(databaseName);
  const db = quoteIdentifier(databaseName);
  return [
    `DO $roles$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${literal(owner)}) THEN CREATE ROLE ${quoteIdentifier(owner)}; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${literal(app)}) THEN CREATE ROLE ${quoteIdentifier(app)}; END IF;
END $roles$`,
    `ALTER ROLE ${quoteIdentifier(owner)} WITH NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`,
    // An admin that is not a superuser must be able to act as the owner (database owner, SET ROLE, default privileges).
    `DO $member$ BEGIN
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN GRANT ${quoteIdentifier(owner)} TO CURRENT_USER; END IF;
END $member$`,
    `ALTER ROLE ${quoteIdentifier(app)} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS ` +
      `PASSWORD ${literal(scramVerifier(rolePassword(app)))}`,
    `ALTER DATABASE ${db} OWNER TO ${quoteIdentifier(owner)}`,
    `REVOKE ALL ON DATABASE ${db} FROM PUBLIC`,
    `GRANT CONNECT ON DATABASE ${db} TO ${quoteIdentifier(app)}`,
  ];
}

/**
 * Statements run in the service's database, before migrations: the owner role gets the schema and
 * whatever an earlier set-up (tables created as `postgres`) left to someone else, and the default
 * privileges that give the runtime role its rights on every table and sequence created later.
 */
export function databaseStatements(databaseName: string): string[] {
  const { owner, app } = rolesFor(databaseName);
  const o = quoteIdentifier(owner);
  const a = quoteIdentifier(app);
  const s = quoteIdentifier(SCHEMA);
  return [
    `REVOKE CREATE ON SCHEMA ${s} FROM PUBLIC`,
    `GRANT USAGE, CREATE ON SCHEMA ${s} TO ${o}`,
    `GRANT USAGE ON SCHEMA ${s} TO ${a}`,
    // Tables, views and their owned sequences first (a linked sequence follows its table), then the rest.
    `DO $owners$ DECLARE statement text; BEGIN
  FOR statement IN
    SELECT format('ALTER %s %s OWNER TO %I',
                  CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
                  c.oid::regclass, ${literal(owner)})
    FROM pg_class c
    WHERE c.relnamespace = ${literal(SCHEMA)}::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
      AND c.relowner <> ${literal(owner)}::regrole
  LOOP EXECUTE statement; END LOOP;
  FOR statement IN
    SELECT format('ALTER SEQUENCE %s OWNER TO %I', c.oid::regclass, ${literal(owner)})
    FROM pg_class c
    WHERE c.relnamespace = ${literal(SCHEMA)}::regnamespace AND c.relkind = 'S' AND c.relowner <> ${literal(owner)}::regrole
  LOOP EXECUTE statement; END LOOP;
  FOR statement IN
    SELECT format('ALTER TYPE %s OWNER TO %I', t.oid::regtype, ${literal(owner)})
    FROM pg_type t
    WHERE t.typnamespace = ${literal(SCHEMA)}::regnamespace AND t.typtype IN ('e', 'd')
      AND t.typowner <> ${literal(owner)}::regrole
      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
  LOOP EXECUTE statement; END LOOP;
  FOR statement IN
    SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, ${literal(owner)})
    FROM pg_proc p
    WHERE p.pronamespace = ${literal(SCHEMA)}::regnamespace AND p.proowner <> ${literal(owner)}::regrole
      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
  LOOP EXECUTE statement; END LOOP;
END $owners$`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${o} IN SCHEMA ${s} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${a}`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${o} IN SCHEMA ${s} GRANT USAGE, SELECT ON SEQUENCES TO ${a}`,
  ];
}

/**
 * Statements run in the service's database after migrations, in one transaction: the runtime
 * role's rights on every table and sequence (also those created before the default privileges
 * existed), none on `_prisma_migrations`, and only INSERT and SELECT on the append-only tables.
 */
export function grantStatements(databaseName: string, service: ServiceName): string[] {
  const { app } = rolesFor(databaseName);
  const a = quoteIdentifier(app);
  const s = quoteIdentifier(SCHEMA);
  const appendOnly = APPEND_ONLY_TABLES[service] ?? [];
  return [
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${s} TO ${a}`,
    `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${s} TO ${a}`,
    `REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA ${s} FROM ${a}`,
    `DO $grants$ DECLARE statement text; BEGIN
  FOR statement IN
    SELECT format(CASE WHEN name = '_prisma_migrations' THEN 'REVOKE ALL ON %s FROM %I'
                       ELSE 'REVOKE UPDATE, DELETE, TRUNCATE ON %s FROM %I' END,
                  to_regclass(format('%I.%I', ${literal(SCHEMA)}, name)), ${literal(app)})
    FROM unnest(ARRAY[${["_prisma_migrations", ...appendOnly].map(literal).join(", ")}]::text[]) AS name
    WHERE to_regclass(format('%I.%I', ${literal(SCHEMA)}, name)) IS NOT NULL
  LOOP EXECUTE statement; END LOOP;
END $grants$`,
  ];
}

function isConcurrentCatalogUpdate(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  // 42710 duplicate_object / 23505 unique_violation: another run created the role first;
  // XX000 "tuple concurrently updated": another run altered the same catalog row.
  return code === "42710" || code === "23505" || code === "XX000";
}

/**
 * Runs statements as one implicit transaction in a single round trip (simple query protocol): a
 * commit per statement costs more than all of them on a busy machine. Retried once when a
 * concurrent set-up of the same role got in first.
 */
async function runTogether(client: pg.Client, statements: string[]): Promise<void> {
  const script = statements.join(";\n");
  try {
    await client.query(script);
  } catch (error) {
    if (!isConcurrentCatalogUpdate(error)) throw error;
    await client.query(script); // the other run has committed by now; ours applies on top
  }
}

/**
 * Sets up a service database's roles and runs `migrate` as its owner role, on the admin's
 * connection (`adminDatabaseUrl` names the service's database; a superuser, or a role with
 * CREATEROLE that may take the database):
 * before, the two roles are created or updated, the database and anything an earlier set-up left
 * to someone else are handed to the owner role, and the default privileges are set; after, the
 * runtime role gets its rights on the tables as they are now.
 */
export async function withDatabaseRoles<T>(
  adminDatabaseUrl: string,
  service: ServiceName,
  migrate: (ownerRole: string) => Promise<T>,
): Promise<T> {
  const databaseName = databaseNameOf(adminDatabaseUrl);
  const client = new pg.Client({ connectionString: adminDatabaseUrl });
  client.on("error", () => {}); // a dropped connection surfaces as the failure of the query in flight
  await client.connect();
  try {
    await runTogether(client, [...serverStatements(databaseName), ...databaseStatements(databaseName)]);
    const result = await migrate(rolesFor(databaseName).owner);
    await runTogether(client, grantStatements(databaseName, service));
    return result;
  } finally {
    await client.end();
  }
}

/**
 * The same set-up as a psql script, for an administrator to read or to run on a server the project
 * does not administer (`npm run db:roles -- --print | psql …`). It carries SCRAM verifiers, not
 * passwords. Run it again after migrations that did not run as the owner role (the default
 * privileges already cover every table the owner role creates).
 */
export function rolesScript(services: readonly ServiceName[], databaseSuffix: string): string {
  const parts: string[] = [
    "-- Roles of the support platform's services (docs/adr/0014). Run as a superuser with psql.",
    "\\set ON_ERROR_STOP on",
  ];
  for (const service of services) {
    const databaseName = databaseNameFor(service, databaseSuffix);
    parts.push(
      `\n-- ${service}: database ${databaseName}, owner ${rolesFor(databaseName).owner}, runtime login ${rolesFor(databaseName).app}`,
      `\\connect postgres`,
      `SELECT 'CREATE DATABASE ${quoteIdentifier(databaseName)}' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = ${literal(databaseName)}) \\gexec`,
      ...serverStatements(databaseName).map((statement) => `${statement};`),
      `\\connect ${databaseName}`,
      ...databaseStatements(databaseName).map((statement) => `${statement};`),
      ...grantStatements(databaseName, service).map((statement) => `${statement};`),
    );
  }
  return `${parts.join("\n")}\n`;
}
