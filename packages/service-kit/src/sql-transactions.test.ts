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
