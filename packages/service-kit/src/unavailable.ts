/**
 * Whether an error means the database could not be reached or dropped the connection (restarted,
 * failed over, `pg_terminate_backend`, pool exhausted): an outage of a dependency, which clients
 * see as SERVICE_UNAVAILABLE (retry later), not as an internal error. A dropped connection ends its
 * transaction, so nothing of the request was committed.
 *
 * Recognised by the codes the layers carry, walking the `cause` chain: PostgreSQL's SQLSTATE
 * classes 08 (connection exception) and 57P01–57P03 (shutdown, cannot connect now) and 53300 (too
 * many connections); Prisma's connection and transaction-time codes; the pg driver's and Node's socket errors.
 */
/** P2028: a transaction that could not start or ran out of time (rolled back; the instance is overloaded). */
const PRISMA_CONNECTION_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024", "P2028"]);
const SQLSTATES = /^(08...|57P0[123]|53300)$/;
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT"]);
/** Prisma's driver-adapter errors carry the SQLSTATE only in their message. */
const PRISMA_DATABASE_CODE = /Database error\. Code: `(08...|57P0[123]|53300)`/;
/** The pg driver's, and its pool's when no connection frees up in time (node-postgres hot paths, ADR 0025). */
const DRIVER_MESSAGES =
  /Connection terminated|terminating connection|Client has encountered a connection error|timeout exceeded when trying to connect/;

export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let current = error; current && typeof current === "object" && !seen.has(current);) {
    seen.add(current);
    const { code, message, cause, originalError } = current as {
      code?: unknown;
      message?: unknown;
      cause?: unknown;
      originalError?: unknown;
    };
    if (
      typeof code === "string" &&
      (PRISMA_CONNECTION_CODES.has(code) || SQLSTATES.test(code) || SOCKET_CODES.has(code))
    )
      return true;
    if (typeof message === "string" && (PRISMA_DATABASE_CODE.test(message) || DRIVER_MESSAGES.test(message)))
      return true;
    current = cause ?? originalError;
  }
  return false;
}

/**
 * The interactive-transaction bounds every service's Prisma client uses, instead of Prisma's
 * defaults (2 s to get a connection, 5 s in all), which a loaded instance exceeds: a transaction
 * waiting its turn on a workspace's outbox lock, or for a pooled connection while a burst is
 * served, would fail as an internal error though nothing is wrong. A transaction that still runs
 * out of time rolls back and answers SERVICE_UNAVAILABLE (P2028 above): the client may retry.
 */
export const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 30_000 } as const;
