import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { scratchDatabase, type ScratchDatabase } from "../../../test/harness/scratch-database.js";
import { eventually } from "../../../test/harness/stack.js";
import { createTransactionPool, type TransactionPool } from "./sql-transactions.js";

/**
 * A session the server ends in the middle of a transaction (a PostgreSQL restart, an operator's
 * pg_terminate_backend, the chaos run's fault) fails that transaction, never the process: a full
 * local run of the suite on 4db049d lost the audit service to an uncaught 'error' event of a
 * checked-out connection.
 */
let database: ScratchDatabase;
let pool: TransactionPool;
const heard: Error[] = [];

beforeAll(async () => {
  database = await scratchDatabase("support_sql_transactions", "audit");
  await database.pool.query("CREATE TABLE IF NOT EXISTS fault_probe (n int)");
  pool = createTransactionPool(database.url, {
    max: 2,
    acquireTimeoutMs: 5_000,
    statementTimeoutMs: 10_000,
    onError: (error) => heard.push(error),
  });
}, 60_000);

afterAll(async () => {
  await pool.end();
  await database.drop();
});

const backendAlive = async (pid: number) =>
  (await database.pool.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1", [pid])).rowCount === 1;

describe("a transaction whose session the server ends between two statements", () => {
  test("fails with a database error, writes nothing, and the next transaction works", async () => {
    const attempt = pool.transaction(async (tx) => {
      await tx.query("INSERT INTO fault_probe (n) VALUES (1)");
      const [{ pid }] = await tx.$queryRawUnsafe<[{ pid: number }]>("SELECT pg_backend_pid() AS pid");
      await database.pool.query("SELECT pg_terminate_backend($1)", [pid]);
      // Between statements, as a consumer computing its next write would be: the connection's
      // 'error' arrives while no statement is running.
      await eventually(async () => ((await backendAlive(pid)) ? undefined : true), 10_000, "the session to end");
      await eventually(async () => (heard.length > 0 ? true : undefined), 10_000, "the lost connection to be heard");
      await tx.query("INSERT INTO fault_probe (n) VALUES (2)");
    });
    await expect(attempt).rejects.toThrow(/not queryable|terminat|connection/i);
    expect(heard[0]?.message).toMatch(/terminat/i);

    const count = await pool.transaction(
      async (tx) => (await tx.$queryRawUnsafe<[{ n: number }]>("SELECT count(*)::int AS n FROM fault_probe"))[0].n,
    );
    expect(count).toBe(0);
  }, 30_000);
});

describe("a statement prepared by name (tx.prepared)", () => {
  // One connection, so every transaction of a test runs on the same session until it is lost.
  const oneConnectionPool = () =>
    createTransactionPool(database.url, {
      max: 1,
      acquireTimeoutMs: 5_000,
      statementTimeoutMs: 10_000,
      onError: () => undefined,
    });
  const insert = "INSERT INTO prepared_probe (n) VALUES ($1) RETURNING n";
  const pidAndPrepared = async (on: TransactionPool) =>
    on.transaction(async (tx) => {
      const { rows } = await tx.prepared<{ n: number }>("probe_insert", insert, [1]);
      const [{ pid }] = await tx.$queryRawUnsafe<[{ pid: number }]>("SELECT pg_backend_pid() AS pid");
      const prepared = await tx.$queryRawUnsafe<Array<{ name: string }>>("SELECT name FROM pg_prepared_statements");
      return { n: rows[0]?.n, pid, prepared: prepared.map((p) => p.name) };
    });

  test("keeps working after a failed execution and on the connection that replaces a lost one", async () => {
    await database.pool.query("CREATE TABLE IF NOT EXISTS prepared_probe (n int CHECK (n > 0))");
    const one = oneConnectionPool();
    const first = await pidAndPrepared(one);
    expect(first).toMatchObject({ n: 1, prepared: ["probe_insert"] });

    // A failing execution rolls its transaction back; the statement stays usable.
    await expect(one.transaction((tx) => tx.prepared("probe_insert", insert, [-1]))).rejects.toThrow(
      /check constraint/,
    );
    expect((await pidAndPrepared(one)).pid).toBe(first.pid);

    // The server ends the session (a restart, a failover): the next transaction gets a new
    // connection, which prepares the statement again rather than executing a name it never saw.
    await database.pool.query("SELECT pg_terminate_backend($1)", [first.pid]);
    const replaced = await eventually(
      async () => pidAndPrepared(one).catch(() => undefined),
      10_000,
      "a transaction on a new connection",
    );
    expect(replaced.pid).not.toBe(first.pid);
    expect(replaced).toMatchObject({ n: 1, prepared: ["probe_insert"] });
    const { rows } = await database.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM prepared_probe");
    expect(rows[0]?.n).toBe(3);
    await one.end();
  }, 30_000);

  test("a statement whose result type a migration changed fails once, then runs on a new connection", async () => {
    await database.pool.query("CREATE TABLE IF NOT EXISTS prepared_probe_migrated (n int)");
    await database.pool.query("INSERT INTO prepared_probe_migrated VALUES (7)");
    const one = oneConnectionPool();
    const read = () =>
      one.transaction(async (tx) => {
        const { rows } = await tx.prepared<{ n: number | string }>(
          "probe_read",
          "SELECT n FROM prepared_probe_migrated",
          [],
        );
        const [{ pid }] = await tx.$queryRawUnsafe<[{ pid: number }]>("SELECT pg_backend_pid() AS pid");
        return { n: rows[0]?.n, pid };
      });
    const before = await read();
    expect(before.n).toBe(7);
    // What an expand/contract migration run by another instance might do under this one.
    await database.pool.query("ALTER TABLE prepared_probe_migrated ALTER COLUMN n TYPE bigint");
    await expect(read()).rejects.toThrow(/cached plan must not change result type/);
    const after = await read();
    expect(after.pid).not.toBe(before.pid);
    expect(after.n).toBe("7"); // bigint, as node-postgres reads it
    await one.end();
  }, 30_000);

  test("a name PostgreSQL would cut to 63 bytes (and so confuse with another) is refused", async () => {
    const one = oneConnectionPool();
    const long = "x".repeat(63);
    await expect(one.transaction((tx) => tx.prepared(`${long}a`, "SELECT 1", []))).rejects.toThrow(/over 63 bytes/);
    await expect(one.transaction(async (tx) => (await tx.prepared(long, "SELECT 2 AS n", [])).rows)).resolves.toEqual([
      { n: 2 },
    ]);
    await one.end();
  });

  test("a read outside a transaction (pool.prepared) is prepared on the connection that runs it", async () => {
    const one = oneConnectionPool();
    const read = () => one.prepared<{ n: number }>("probe_pool_read", "SELECT $1::int + 1 AS n", [41]);
    expect((await read()).rows).toEqual([{ n: 42 }]);
    expect((await read()).rows).toEqual([{ n: 42 }]);
    const prepared = await one.$queryRawUnsafe<Array<{ name: string }>>("SELECT name FROM pg_prepared_statements");
    expect(prepared.map((p) => p.name)).toEqual(["probe_pool_read"]);
    await one.end();
  });
});
