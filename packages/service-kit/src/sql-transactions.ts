import type pg from "pg";
import { isStalePreparedStatement, type SqlTransaction } from "@support/events";
import { countingPool } from "./sql-statements.js";

/**
 * A transaction on a node-postgres connection, for a service's hot write paths (audit's consumer
 * batches, ticketing's status changes), and single statements for its hot reads (workspace's
 * standings), rather than Prisma's client and interactive transactions, whose per-statement
 * and per-transaction overhead was a tenth of audit's consumer CPU and a quarter of
 * ticketing's (BENCHMARKS.md, issue 25). `$executeRawUnsafe`/`$queryRawUnsafe` are the shape
 * `@support/events` writes the outbox, `processed_event` and `parked_event` through, so a
 * change, its events and a consumer's bookkeeping share the one transaction (docs/adr/0002).
 */
export interface PgTx extends SqlTransaction {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  /**
   * A statement the connection parses and plans once under `name` and then only executes: for a
   * fixed statement run per batch on a hot path, whose planning is otherwise paid every time (audit's
   * consumer: about a sixth of the database's CPU per event at batches of a few hundred events,
   * BENCHMARKS.md, issue 25). One name, one text: node-postgres refuses a name reused for another.
   * At most 63 bytes (PostgreSQL's limit; a longer name throws).
   */
  prepared<R extends pg.QueryResultRow = pg.QueryResultRow>(
    name: string,
    text: string,
    values: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

/**
 * What reads one statement: a Prisma client or transaction, a `PgTx`, or a `TransactionPool`
 * (outside a transaction), so a hot read can run on node-postgres and the same code inside a
 * mutation's Prisma transaction.
 */
export type SqlReader = Pick<SqlTransaction, "$queryRawUnsafe" | "prepared">;

/**
 * A select list naming each column by its model field (`column AS "field"`), from a map typed
 * `Record<keyof Model, string>`: a field added to the model fails the type check until its column
 * is read too, so a hot path's raw statement answers whole rows as Prisma did. `table`: an alias
 * to qualify the columns with.
 */
export function selectColumns(columns: Readonly<Record<string, string>>, table?: string): string {
  return Object.entries(columns)
    .map(([field, column]) => `${table ? `${table}.` : ""}${column} AS "${field}"`)
    .join(", ");
}

export interface TransactionPool extends SqlReader {
  /** A fixed read on its own (autocommit), prepared on each connection that runs it (see `PgTx.prepared`). */
  prepared<R extends pg.QueryResultRow = pg.QueryResultRow>(
    name: string,
    text: string,
    values: unknown[],
  ): Promise<pg.QueryResult<R>>;
  /** Runs `work` between BEGIN and COMMIT on one connection; rolls back when it throws. */
  transaction<R>(work: (tx: PgTx) => Promise<R>): Promise<R>;
  end(): Promise<void>;
}

export interface TransactionPoolOptions {
  /** Connections (the pool's own: Prisma's pool is not shared). */
  max: number;
  /** How long a transaction may wait for a connection before it fails (and is retried). */
  acquireTimeoutMs: number;
  /** Any one statement, and any pause inside a transaction, longer than this is cancelled by the server. */
  statementTimeoutMs: number;
  /**
   * A connection that fails (a restart, pg_terminate_backend), idle or between a transaction's
   * statements, is replaced; this hears of it.
   */
  onError: (error: Error) => void;
}

/**
 * The pool of a service's request-path statements (ticketing's writes, workspace's standings): a
 * few connections of its own beside Prisma's, bounded on the server like audit's consumer pool.
 */
export const HOT_PATH_POOL = { max: 5, acquireTimeoutMs: 10_000, statementTimeoutMs: 30_000 } as const;

/** PostgreSQL compares prepared statements' names on their first 63 bytes: two longer names could meet there. */
function assertPreparedName(name: string): void {
  if (Buffer.byteLength(name) > 63) throw new Error(`prepared statement name over 63 bytes: ${name}`);
}

export function createTransactionPool(databaseUrl: string, options: TransactionPoolOptions): TransactionPool {
  // Statements count toward the request that runs them, as Prisma's do (sql-statements.ts).
  const pool = countingPool(databaseUrl, {
    max: options.max,
    connectionTimeoutMillis: options.acquireTimeoutMs,
    // Server-side bounds, so no transaction depends on a client-side timer: a stuck statement is
    // cancelled, and a transaction left open by a stalled process releases its locks.
    statement_timeout: options.statementTimeoutMs,
    idle_in_transaction_session_timeout: options.statementTimeoutMs,
  });
  pool.on("error", options.onError);
  return {
    async transaction<R>(work: (tx: PgTx) => Promise<R>): Promise<R> {
      const client = await pool.connect();
      // While a connection is checked out the pool does not listen for its errors: a session the
      // server ends between two statements (a restart, pg_terminate_backend) would be an uncaught
      // 'error' event and stop the process. Heard here, it fails the transaction's next statement
      // instead (the client is no longer queryable), and the connection is discarded below.
      const onLost = (error: Error) => options.onError(error);
      client.on("error", onLost);
      const giveBack = (failure?: Error | true) => {
        client.removeListener("error", onLost);
        client.release(failure);
      };
      const tx: PgTx = {
        query: (text, values) => client.query(text, values),
        prepared: (name, text, values) => {
          assertPreparedName(name);
          return client.query({ name, text, values });
        },
        $executeRawUnsafe: async (text, ...values) => (await client.query(text, values)).rowCount ?? 0,
        // The caller names the rows' type, as with Prisma's method of that name.
        $queryRawUnsafe: async <T>(text: string, ...values: unknown[]) => (await client.query(text, values)).rows as T,
      };
      try {
        await client.query("BEGIN");
        const result = await work(tx);
        await client.query("COMMIT");
        giveBack();
        return result;
      } catch (error) {
        // A connection whose ROLLBACK fails is in an unknown state: it is closed, not reused; so is
        // one holding a prepared statement PostgreSQL will no longer execute.
        await client.query("ROLLBACK").then(
          () => giveBack(isStalePreparedStatement(error) ? true : undefined),
          (rollbackError: unknown) => giveBack(rollbackError instanceof Error ? rollbackError : true),
        );
        throw error;
      }
    },
    // One statement on its own (autocommit), for hot reads: the caller names the rows' type.
    $queryRawUnsafe: async <T>(text: string, ...values: unknown[]) => (await pool.query(text, values)).rows as T,
    // The same, prepared on each connection that runs it (PgTx.prepared).
    prepared: (name, text, values) => {
      assertPreparedName(name);
      return pool.query({ name, text, values });
    },
    end: () => pool.end(),
  };
}
