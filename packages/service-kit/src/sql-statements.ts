import { AsyncLocalStorage } from "node:async_hooks";
import type { FastifyInstance } from "fastify";
import pg from "pg";

/**
 * Counts the SQL statements each request sends, for tests that bound them per page (issue 9's
 * "same count for a page of 10 and 50"). Every statement goes through a pg client of the pool
 * below; the request's async context says whose statement it is.
 */
const current = new AsyncLocalStorage<{ count: number }>();

/** A connection pool whose clients count statements toward the request running them. */
export function countingPool(connectionString: string, options: Omit<pg.PoolConfig, "connectionString"> = {}): pg.Pool {
  class CountingClient extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super(config);
      const query = this.query.bind(this);
      // Wrapped rather than overridden: pg's query has a dozen overloads and one implementation.
      this.query = ((...args: Parameters<typeof query>) => {
        const store = current.getStore();
        if (store) store.count += 1;
        return query(...args);
      }) as typeof this.query;
    }
  }
  return new pg.Pool({ ...options, connectionString, Client: CountingClient });
}

/** Runs each request in its own counter and logs `sqlStatements` (with the request id) when it ends. */
export function logSqlStatementsPerRequest(app: FastifyInstance): void {
  const counters = new WeakMap<object, { count: number }>();
  app.addHook("onRequest", (request, _reply, done) => {
    const store = { count: 0 };
    counters.set(request, store);
    current.run(store, done);
  });
  app.addHook("onResponse", async (request) => {
    const store = counters.get(request);
    if (store) request.log.info({ sqlStatements: store.count, url: request.url }, "sql statements");
  });
}
