import type { TransactionPoolOptions } from "@support/service-kit";

/**
 * How the activity-log consumer applies its events (app.ts; bench/audit.ts measures the same).
 * Whole Kafka batches in transactions of up to 1,000 events: one chain-head read per chain, one
 * insert. kafkajs fetches the next batches from the broker only once every batch of the last fetch
 * is applied, so all partitions of a topic (EVENT_TOPIC_PARTITIONS) are applied at once, each on
 * its own connection, and a fetch brings up to 2 MiB of a partition (issue 25). No
 * `processed_event` row per event: the entry itself says the event was applied.
 */
export const ACTIVITY_LOG_CONSUMER = {
  // An entry names its event (unique event_id): appendEvents skips what is in the log already.
  appliedEventsIn: "handler",
  maxEventsPerTransaction: 1_000,
  partitionsConsumedConcurrently: 6,
  maxBytesPerPartition: 2 * 1024 * 1024,
} as const;

/**
 * Its connections: one per partition applied at once and one for the parked-event worker; the
 * bounds match TRANSACTION_OPTIONS' (10 s to get a connection, 30 s per statement).
 */
export const ACTIVITY_LOG_POOL: Omit<TransactionPoolOptions, "onError"> = {
  max: ACTIVITY_LOG_CONSUMER.partitionsConsumedConcurrently + 1,
  acquireTimeoutMs: 10_000,
  statementTimeoutMs: 30_000,
};
