import { activeTraceCarrier } from "@support/tracing";
import type { TypedEvent } from "./registry/index.js";

/**
 * The part of a Prisma interactive-transaction client the outbox needs. Every service's
 * generated client satisfies it structurally, so this package does not depend on any of them.
 */
export interface SqlTransaction {
  $executeRawUnsafe(query: string, ...values: unknown[]): PromiseLike<number>;
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): PromiseLike<T>;
  /**
   * Offered by node-postgres transactions (service-kit's `PgTx`), not Prisma's: a fixed statement
   * the connection parses and plans once under `name`, then only executes (see `queryFixed`).
   */
  prepared?(name: string, text: string, values: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * A fixed statement on the write path, which every mutation and consumed batch runs: prepared
 * once per connection where the transaction can (node-postgres), else as Prisma's raw query.
 * Planning was most of the database's time for such statements: a ticket's row lock and its
 * outbox insert took 485–565 µs of backend CPU per transaction planned each time, 195–220
 * prepared (BENCHMARKS.md, issue 25). `name` names one text only.
 */
export async function queryFixed<T>(
  tx: Pick<SqlTransaction, "$queryRawUnsafe" | "prepared">,
  name: string,
  text: string,
  values: unknown[],
): Promise<T[]> {
  if (tx.prepared) return (await tx.prepared(name, text, values)).rows as T[];
  return tx.$queryRawUnsafe<T[]>(text, ...values);
}

/**
 * A prepared statement whose result columns changed type since it was prepared (a migration
 * altered a column it returns): PostgreSQL refuses every further execution of it on that
 * connection, so the connection is ended rather than kept, and a new one prepares it afresh.
 */
export function isStalePreparedStatement(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error as { code?: unknown }).code === "0A000" &&
    /cached plan must not change result type/.test(error.message)
  );
}

/**
 * The key an event is published under and ordered by: its workspace, else its organisation
 * (docs/adr/0002). Every event of one key is on one partition, in the order the relay sent it.
 */
export const partitionKeyOf = (event: TypedEvent): string => event.workspaceId ?? event.organisationId;

/** PostgreSQL NOTIFY channel the relay listens on; NOTIFY is delivered only when the transaction commits. */
export const OUTBOX_CHANNEL = "outbox_event";

/**
 * The class id of the transaction-level advisory locks `enqueueEvents` takes, one per partition
 * key: `(OUTBOX_KEY_LOCK_CLASS, hashtext(key))`. The two-key form keeps them apart from every
 * single-key lock a service takes (audit's chains, ticketing's SLA policies, Prisma Migrate's);
 * the class differs from the relay leader lock's (2002), whose session-long hold must never be
 * waited for by a writer.
 */
export const OUTBOX_KEY_LOCK_CLASS = 2003;

/**
 * `enqueueEvents`' one statement per transaction (a round trip, not three): the keys' locks, the
 * rows and the queued NOTIFY. The locks come first: `locked` is an aggregate, so it has taken every
 * lock (in lock order, so one call cannot deadlock with another) before the join hands the INSERT
 * its first row, and `seq` is drawn only as rows are inserted. ORDINALITY keeps the events' order
 * in `seq`. Fixed text, so a node-postgres transaction runs it prepared (`queryFixed`).
 */
const ENQUEUE_STATEMENT = `WITH locked AS MATERIALIZED (
       SELECT count(*) AS keys FROM (
         SELECT pg_advisory_xact_lock($7::int, lock_key)
           FROM (SELECT DISTINCT hashtext(key) AS lock_key FROM unnest($8::text[]) AS key) AS keys
          ORDER BY lock_key) AS locks),
     inserted AS (
       INSERT INTO outbox_event (id, topic, partition_key, payload, trace_context)
       SELECT event.id, $1, event.partition_key, event.payload, $5::jsonb
         FROM unnest($2::uuid[], $3::text[], $4::jsonb[]) WITH ORDINALITY
              AS event (id, partition_key, payload, position)
        CROSS JOIN locked
        WHERE locked.keys > 0
        ORDER BY event.position
       RETURNING 1)
     SELECT pg_notify($6, $1) FROM (SELECT 1 FROM inserted LIMIT 1) AS any_event`;

/**
 * Writes events into the outbox inside the caller's transaction: they are published if and
 * only if the change commits. The NOTIFY wakes the relay right after the commit.
 *
 * Per key, outbox order is commit order (docs/adr/0002): before inserting, the transaction locks
 * each key of its events (sorted by lock, so one call cannot deadlock with another), held until
 * it commits or rolls back. A second transaction writing events of the same key waits there, so
 * its rows get the higher `seq` and commit after the first's; the relay's `ORDER BY seq` is then
 * commit order for every key. Other keys do not wait.
 *
 * The trace context active here (the request's, or the consumed event's) is stored with each row,
 * and the relay carries it in the Kafka message's headers (docs/adr/0021); null with tracing off.
 */
export async function enqueueEvents(tx: SqlTransaction, topic: string, events: readonly TypedEvent[]): Promise<void> {
  if (events.length === 0) return;
  const traceContext = activeTraceCarrier();
  const values = [
    topic,
    events.map((event) => event.id),
    events.map(partitionKeyOf),
    events.map((event) => JSON.stringify(event)),
    traceContext ? JSON.stringify(traceContext) : null,
    OUTBOX_CHANNEL,
    OUTBOX_KEY_LOCK_CLASS,
    [...new Set(events.map(partitionKeyOf))],
  ];
  // Prisma's $queryRawUnsafe cannot read pg_notify's void, hence $executeRawUnsafe there.
  if (tx.prepared) await tx.prepared("outbox_enqueue", ENQUEUE_STATEMENT, values);
  else await tx.$executeRawUnsafe(ENQUEUE_STATEMENT, ...values);
}
