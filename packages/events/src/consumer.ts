import type { Consumer, Kafka } from "kafkajs";
import type { Logger } from "@support/logger";
import { parseEvent, InvalidEventError } from "./envelope.js";
import type { TypedEvent } from "./registry/index.js";
import type { SqlTransaction } from "./outbox.js";

export interface IdempotentConsumerOptions<Tx extends SqlTransaction> {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  logger: Logger;
  /** Runs `work` in one database transaction of the consuming service, e.g. `(fn) => prisma.$transaction(fn)`. */
  transaction: <R>(work: (tx: Tx) => Promise<R>) => Promise<R>;
  /** Applies one event; runs inside the transaction that also records the event id. */
  handle: (event: TypedEvent, tx: Tx) => Promise<void>;
}

/**
 * Consumes envelopes exactly-once in effect: the event id is recorded in `processed_event` in the
 * same transaction as the handler's writes, and the Kafka offset is committed only after that
 * transaction commits. A redelivered event finds its id and is skipped.
 */
export async function startIdempotentConsumer<Tx extends SqlTransaction>(
  options: IdempotentConsumerOptions<Tx>,
): Promise<Consumer> {
  const { kafka, groupId, topics, logger, transaction, handle } = options;
  const consumer = kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    // disconnect() waits for the fetch in progress; kafkajs' default long poll (5 s) would hold a
    // SIGTERM'd service that long. Fetches still return at once when messages arrive.
    maxWaitTimeInMs: 1_000,
    // A member that dies without leaving holds its partitions until its session times out;
    // 10 s (kafkajs' default is 30 s) bounds how long a crashed instance stalls its group.
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
  });
  await consumer.connect();
  for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      const nextOffset = (BigInt(message.offset) + 1n).toString();
      let event: TypedEvent;
      try {
        event = parseEvent(JSON.parse(message.value?.toString() ?? "null"));
      } catch (error) {
        // A malformed message can never succeed; skipping it keeps the partition moving.
        const reason = error instanceof InvalidEventError ? error.issues : String(error);
        logger.error({ topic, partition, offset: message.offset, reason }, "skipping malformed event");
        await consumer.commitOffsets([{ topic, partition, offset: nextOffset }]);
        return;
      }
      const applied = await transaction(async (tx) => {
        const inserted = await tx.$executeRawUnsafe(
          `INSERT INTO processed_event (event_id, event_type) VALUES ($1::uuid, $2) ON CONFLICT DO NOTHING`,
          event.id,
          event.type,
        );
        if (inserted === 0) return false;
        await handle(event, tx);
        return true;
      });
      logger.debug(
        { eventId: event.id, type: event.type, applied },
        applied ? "event applied" : "duplicate event skipped",
      );
      await consumer.commitOffsets([{ topic, partition, offset: nextOffset }]);
    },
  });
  return consumer;
}
