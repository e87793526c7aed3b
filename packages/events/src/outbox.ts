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
 * Writes events into the outbox inside the caller's transaction: they are published if and
 * only if the change commits. The NOTIFY wakes the relay right after the commit.
 */
export async function enqueueEvents(tx: SqlTransaction, topic: string, events: readonly TypedEvent[]): Promise<void> {
  if (events.length === 0) return;
  for (const event of events) {
    await tx.$executeRawUnsafe(
      `INSERT INTO outbox_event (id, topic, partition_key, payload) VALUES ($1::uuid, $2, $3, $4::jsonb)`,
      event.id,
      topic,
      partitionKeyOf(event),
      JSON.stringify(event),
    );
  }
  await tx.$executeRawUnsafe(`SELECT pg_notify($1, $2)`, OUTBOX_CHANNEL, topic);
}
