import pg from "pg";
import type { SqlTransaction } from "@support/events";
import { applyMigrations, dropDatabase, ensureDatabase } from "@support/infra/db";
import { servicePaths, type ServiceName } from "@support/infra/services";
import { testStack } from "./stack.js";

/**
 * A database of its own on the harness's PostgreSQL server, with one service's real tables (its
 * migrations), for tests of the event library that must not touch the running services' data.
 */
export interface ScratchDatabase {
  url: string;
  pool: pg.Pool;
  /** A transaction, handed out as the outbox and the consumer see one. */
  transaction<R>(work: (tx: SqlTransaction) => Promise<R>): Promise<R>;
  /** The `value` column of the first row. */
  scalar<T>(query: string, values?: unknown[]): Promise<T>;
  drop(): Promise<void>;
}

export async function scratchDatabase(name: string, migrationsOf: ServiceName): Promise<ScratchDatabase> {
  const stack = testStack();
  const url = new URL(stack.postgresServerUrl);
  url.pathname = `/${name}${stack.databaseSuffix}`;
  const databaseUrl = url.toString();
  await dropDatabase(databaseUrl);
  await ensureDatabase(databaseUrl);
  await applyMigrations({ databaseUrl, migrationsDir: servicePaths(migrationsOf).migrations });
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 12 });
  // An idle connection the server ends (a restart, pg_terminate_backend from a fault test on the
  // same server) is replaced by the pool; without a listener its error would fail the test run.
  pool.on("error", () => undefined);

  return {
    url: databaseUrl,
    pool,
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const result = await work({
          $executeRawUnsafe: async (query, ...values) => (await client.query(query, values)).rowCount ?? 0,
          $queryRawUnsafe: async <T>(query: string, ...values: unknown[]) =>
            (await client.query(query, values)).rows as T,
        });
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK");
        throw error;
      } finally {
        client.release();
      }
    },
    async scalar<T>(query: string, values: unknown[] = []) {
      const { rows } = await pool.query<{ value: T }>(query, values);
      return rows[0]?.value as T;
    },
    async drop() {
      await pool.end();
      await dropDatabase(databaseUrl);
    },
  };
}
