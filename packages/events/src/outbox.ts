import { activeTraceCarrier } from "@support/tracing";
import type { TypedEvent } from "./registry/index.js";

/**
 * The part of a Prisma interactive-transaction client the outbox needs. Every service's
 * generated client satisfies it structurally, so this package does not depend on any of them.
 */
export interface SqlTransaction {
  $executeRawUnsafe(query: string, ...values: unknown[]): PromiseLike<number>;
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): PromiseLike<T>;
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
  // One statement per transaction (a round trip, not three): the keys' locks, the rows and the
  // queued NOTIFY. The locks come first: `locked` is an aggregate, so it has taken every lock
  // (in lock order, so one call cannot deadlock with another) before the join hands the INSERT
  // its first row, and `seq` is drawn only as rows are inserted. ORDINALITY keeps the events'
  // order in `seq`. $executeRawUnsafe: Prisma's $queryRawUnsafe cannot read pg_notify's void.
  await tx.$executeRawUnsafe(
    `WITH locked AS MATERIALIZED (
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
     SELECT pg_notify($6, $1) FROM (SELECT 1 FROM inserted LIMIT 1) AS any_event`,
    topic,
    events.map((event) => event.id),
    events.map(partitionKeyOf),
    events.map((event) => JSON.stringify(event)),
    traceContext ? JSON.stringify(traceContext) : null,
    OUTBOX_CHANNEL,
    OUTBOX_KEY_LOCK_CLASS,
    [...new Set(events.map(partitionKeyOf))],
  );
}
