import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import pg from "pg";
import { rolesFor, runtimeDatabaseUrl } from "@support/infra/db/roles";
import { databaseNameFor, SERVICES, type ServiceName } from "@support/infra/services";
import { eventually, testStack } from "../harness/stack.js";

/**
 * Issue 19, part 1 (SPEC §6): an attacker holding a service's database login — its DATABASE_URL,
 * as read from the process or its host — tries to rewrite the activity log the way the superuser
 * `postgres` could: switch the append-only triggers off, or update, delete and truncate entries and
 * checkpoints directly, or reach another service's database. Each service runs with a login of its
 * own that is not a superuser and owns nothing (docs/adr/0014).
 */

const databaseOf = (service: ServiceName) => databaseNameFor(service, testStack().databaseSuffix);
const loginUrlOf = (service: ServiceName) =>
  runtimeDatabaseUrl(service, testStack().postgresServerUrl, testStack().databaseSuffix);

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  await client.connect();
  return client;
}

/** The SQLSTATE a statement fails with, or "succeeded". */
async function outcome(client: pg.Client, sql: string): Promise<string> {
  try {
    await client.query(sql);
    return "succeeded";
  } catch (error) {
    return String((error as { code?: unknown }).code);
  }
}

const INSUFFICIENT_PRIVILEGE = "42501";

let admin: pg.Client;
let audit: pg.Client;
/** This suite's own backends, left out when looking at the services' sessions. */
let ourSessions: number[];
const backendPid = async (client: pg.Client) =>
  (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid ?? 0;

beforeAll(async () => {
  const adminUrl = new URL(testStack().postgresServerUrl);
  adminUrl.pathname = `/${databaseOf("audit")}`;
  admin = await connect(adminUrl.toString());
  audit = await connect(loginUrlOf("audit"));
  ourSessions = [await backendPid(admin), await backendPid(audit)];
});

afterAll(async () => {
  await audit?.end();
  await admin?.end();
});

describe("every service runs with a login of its own", () => {
  test.each(SERVICES)("%s's sessions use its runtime login, not the admin", async (service) => {
    // The relay holds a session open for LISTEN, so every running service has at least one.
    const logins = await eventually(
      async () => {
        const { rows } = await admin.query<{ usename: string }>(
          `SELECT DISTINCT usename FROM pg_stat_activity
           WHERE datname = $1 AND backend_type = 'client backend' AND pid <> ALL($2::int[])`,
          [databaseOf(service), ourSessions],
        );
        return rows.length > 0 ? rows.map((row) => row.usename) : undefined;
      },
      20_000,
      `${service}'s database sessions`,
    );
    expect(logins).toEqual([rolesFor(databaseOf(service)).app]);
  });

  test.each(SERVICES)(
    "%s's login is no superuser, cannot create roles or databases and owns no table",
    async (service) => {
      const client = await connect(loginUrlOf(service));
      try {
        const { rows } = await client.query<{
          rolsuper: boolean;
          rolcreaterole: boolean;
          rolcreatedb: boolean;
          rolreplication: boolean;
          rolbypassrls: boolean;
          owned: number;
          member_of: number;
        }>(
          `SELECT r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolreplication, r.rolbypassrls,
                (SELECT count(*)::int FROM pg_class c WHERE c.relowner = r.oid) AS owned,
                (SELECT count(*)::int FROM pg_auth_members m WHERE m.member = r.oid) AS member_of
         FROM pg_roles r WHERE r.rolname = current_user`,
        );
        expect(rows[0]).toEqual({
          rolsuper: false,
          rolcreaterole: false,
          rolcreatedb: false,
          rolreplication: false,
          rolbypassrls: false,
          owned: 0,
          member_of: 0,
        });
        expect(await outcome(client, `SET ROLE ${rolesFor(databaseOf(service)).owner}`)).toBe(INSUFFICIENT_PRIVILEGE);
        expect(await outcome(client, "CREATE TABLE planted (id int)")).toBe(INSUFFICIENT_PRIVILEGE);
      } finally {
        await client.end();
      }
    },
  );
});

describe("the audit service's login cannot rewrite the activity log", () => {
  test("it is not a superuser and cannot switch the triggers off with session_replication_role", async () => {
    expect((await audit.query<{ is_superuser: string }>("SHOW is_superuser")).rows[0]?.is_superuser).toBe("off");
    expect(await outcome(audit, "SET session_replication_role = replica")).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(audit, "SELECT set_config('session_replication_role', 'replica', false)")).toBe(
      INSUFFICIENT_PRIVILEGE,
    );
  });

  test.each(["activity_entry", "chain_checkpoint"])("%s: UPDATE, DELETE and TRUNCATE are refused", async (table) => {
    const column = table === "activity_entry" ? "action" : "signature";
    expect(await outcome(audit, `UPDATE ${table} SET ${column} = ${column}`)).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(audit, `DELETE FROM ${table}`)).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(audit, `TRUNCATE ${table}`)).toBe(INSUFFICIENT_PRIVILEGE);
    // ... and a row lock for a later update is refused too
    expect(await outcome(audit, `SELECT 1 FROM ${table} LIMIT 1 FOR UPDATE`)).toBe(INSUFFICIENT_PRIVILEGE);
  });

  test.each(["activity_entry", "chain_checkpoint"])(
    "%s: the triggers can be neither disabled nor dropped",
    async (table) => {
      const { rows } = await admin.query<{ tgname: string }>(
        `SELECT tgname FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal`,
        [table],
      );
      expect(rows.length).toBeGreaterThan(0);
      expect(await outcome(audit, `ALTER TABLE ${table} DISABLE TRIGGER ALL`)).toBe(INSUFFICIENT_PRIVILEGE);
      expect(await outcome(audit, `ALTER TABLE ${table} DISABLE TRIGGER USER`)).toBe(INSUFFICIENT_PRIVILEGE);
      for (const { tgname } of rows) {
        expect(await outcome(audit, `ALTER TABLE ${table} DISABLE TRIGGER ${tgname}`)).toBe(INSUFFICIENT_PRIVILEGE);
        expect(await outcome(audit, `DROP TRIGGER ${tgname} ON ${table}`)).toBe(INSUFFICIENT_PRIVILEGE);
      }
      expect(await outcome(audit, `DROP TABLE ${table}`)).toBe(INSUFFICIENT_PRIVILEGE);
      expect(await outcome(audit, `ALTER TABLE ${table} RENAME TO ${table}_old`)).toBe(INSUFFICIENT_PRIVILEGE);
      expect(
        await outcome(
          audit,
          `CREATE TRIGGER bypass BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()`,
        ),
      ).toBe(INSUFFICIENT_PRIVILEGE);
      expect(
        await outcome(
          audit,
          "CREATE OR REPLACE FUNCTION refuse_activity_log_change() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'",
        ),
      ).toBe(INSUFFICIENT_PRIVILEGE);
    },
  );

  test("it cannot create a role (to grant itself more)", async () => {
    expect(await outcome(audit, "CREATE ROLE intruder SUPERUSER LOGIN")).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(audit, "CREATE ROLE intruder LOGIN")).toBe(INSUFFICIENT_PRIVILEGE);
  });

  test("it keeps exactly what the service needs on the log: INSERT and SELECT, and cannot grant itself more", async () => {
    // Without grant options PostgreSQL only warns; what counts is what the login holds afterwards.
    await outcome(audit, `GRANT UPDATE, DELETE, TRUNCATE ON activity_entry, chain_checkpoint TO CURRENT_USER`);
    const { rows } = await audit.query<{ table: string; privilege: string }>(
      `SELECT t AS table, p AS privilege
       FROM unnest(ARRAY['activity_entry', 'chain_checkpoint']) AS t,
            unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) AS p
       WHERE has_table_privilege(current_user, t, p) ORDER BY 1, 2`,
    );
    expect(rows).toEqual([
      { table: "activity_entry", privilege: "INSERT" },
      { table: "activity_entry", privilege: "SELECT" },
      { table: "chain_checkpoint", privilege: "INSERT" },
      { table: "chain_checkpoint", privilege: "SELECT" },
    ]);
    expect(await outcome(audit, "SELECT count(*) FROM activity_entry")).toBe("succeeded");
  });
});

describe("a service's login stays in its own database", () => {
  const pairs = SERVICES.flatMap((service) =>
    SERVICES.filter((other) => other !== service).map((other) => [service, other] as const),
  );

  test.each(pairs)("%s's login cannot connect to %s's database", async (service, other) => {
    const url = new URL(loginUrlOf(service));
    url.pathname = `/${databaseOf(other)}`;
    const client = new pg.Client({ connectionString: url.toString() });
    client.on("error", () => {});
    let code = "connected";
    try {
      await client.connect();
    } catch (error) {
      code = String((error as { code?: unknown }).code);
    } finally {
      await client.end().catch(() => {});
    }
    expect(code).toBe(INSUFFICIENT_PRIVILEGE);
  });

  test.each(SERVICES)("%s's login may connect to its own database only", async (service) => {
    const client = await connect(loginUrlOf(service));
    try {
      const { rows } = await client.query<{ datname: string }>(
        `SELECT datname FROM pg_database
         WHERE datname = ANY($1::text[]) AND has_database_privilege(current_user, datname, 'CONNECT, TEMPORARY')`,
        [SERVICES.map(databaseOf)],
      );
      expect(rows.map((row) => row.datname)).toEqual([databaseOf(service)]);
      expect(await outcome(client, "CREATE TEMPORARY TABLE scratch (id int)")).toBe(INSUFFICIENT_PRIVILEGE);
    } finally {
      await client.end();
    }
  });
});
