import { Partitioners, type Kafka, type KafkaMessage } from "kafkajs";
import type { Logger } from "@support/logger";
import { DEAD_LETTER_HEADERS, withoutDeadLetterHeaders } from "./consumer.js";
import { groupOfDeadLetterTopic, replayTopicFor } from "./kafka.js";

/** Set on a replayed message: which dead letter it came from (`<topic>:<partition>:<offset>`). */
export const REPLAYED_FROM_HEADER = "replayed-from";

export interface DeadLetter {
  partition: number;
  offset: string;
  consumerGroup: string | null;
  reason: string | null;
  origin: string | null;
  key: string | null;
  /** The original message value as text (it may not be valid JSON: that may be why it failed). */
  value: string | null;
}

export interface ReplayOptions {
  kafka: Kafka;
  logger: Logger;
  /** `<consumer group>.dlq`. */
  deadLetterTopic: string;
  /** The group to re-deliver to; default: the group that dead-lettered each message. */
  group?: string;
  /** Only list the dead letters; nothing is sent and the replay position does not move. */
  dryRun?: boolean;
  /** Called for each dead letter, e.g. to print it. */
  onDeadLetter?: (letter: DeadLetter) => void;
  /** Gives up when the dead letters present at the start were not all read by then. Default 60 s. */
  timeoutMs?: number;
}

/**
 * Re-delivers the dead letters a topic holds right now to the consumer group that failed them, by
 * producing each (same key, value and headers) onto `<group>.replay`, which only that group reads:
 * other groups, which applied the event, never see it again. The position is kept in the consumer
 * group `<dead-letter topic>.replay`, so a second run replays only letters that arrived since (an
 * event that fails again is dead-lettered again, and is replayed by the next run).
 */
export async function replayDeadLetters(options: ReplayOptions): Promise<{ replayed: number }> {
  const { kafka, logger, deadLetterTopic, dryRun = false } = options;
  const replayGroup = `${deadLetterTopic}.replay`;
  const fallbackGroup = options.group ?? groupOfDeadLetterTopic(deadLetterTopic);

  // What "now" means: the end of each partition when the replay starts. Letters that arrive later,
  // including those this replay causes, wait for the next run.
  const admin = kafka.admin();
  await admin.connect();
  const remaining = new Map<number, bigint>();
  try {
    const ends = await admin.fetchTopicOffsets(deadLetterTopic);
    const [committed] = await admin.fetchOffsets({ groupId: replayGroup, topics: [deadLetterTopic] });
    for (const { partition, high, low } of ends) {
      const position = committed?.partitions.find((p) => p.partition === partition)?.offset ?? "-1";
      const from = BigInt(position) >= 0n ? BigInt(position) : BigInt(low);
      if (BigInt(high) > from) remaining.set(partition, BigInt(high));
    }
  } finally {
    await admin.disconnect();
  }
  if (remaining.size === 0) return { replayed: 0 };

  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const consumer = kafka.consumer({
    groupId: replayGroup,
    maxWaitTimeInMs: 500,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
  });
  let replayed = 0;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  try {
    if (!dryRun) await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topic: deadLetterTopic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat }) => {
        const end = remaining.get(batch.partition);
        if (end === undefined) return;
        const letters = batch.messages.filter((message) => BigInt(message.offset) < end);
        const last = letters[letters.length - 1];
        if (last === undefined) return;
        const byGroup = new Map<string, KafkaMessage[]>();
        for (const message of letters) {
          const letter = describeLetter(batch.partition, message);
          options.onDeadLetter?.(letter);
          const group = options.group ?? letter.consumerGroup ?? fallbackGroup;
          if (group === null) {
            throw new Error(`dead letter at offset ${message.offset} names no consumer group; pass --group`);
          }
          byGroup.set(group, [...(byGroup.get(group) ?? []), message]);
        }
        if (!dryRun) {
          for (const [group, messages] of byGroup) {
            await producer.send({
              topic: replayTopicFor(group),
              acks: -1,
              messages: messages.map((message) => ({
                key: message.key,
                value: message.value,
                headers: {
                  ...withoutDeadLetterHeaders(message.headers),
                  [REPLAYED_FROM_HEADER]: `${deadLetterTopic}:${batch.partition}:${message.offset}`,
                },
              })),
            });
            replayed += messages.length;
          }
          const next = (BigInt(last.offset) + 1n).toString();
          await consumer.commitOffsets([{ topic: deadLetterTopic, partition: batch.partition, offset: next }]);
        }
        await heartbeat();
        if (BigInt(last.offset) + 1n >= end) {
          remaining.delete(batch.partition);
          if (remaining.size === 0) finished();
        }
      },
    });
    const timeoutMs = options.timeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      done,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the dead letters of ${deadLetterTopic} were not all read within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
  } finally {
    await consumer
      .disconnect()
      .catch((error: unknown) => logger.warn({ err: error }, "replay consumer did not disconnect"));
    if (!dryRun) await producer.disconnect();
  }
  return { replayed };
}

function header(message: KafkaMessage, name: string): string | null {
  const value = message.headers?.[name];
  if (value === undefined) return null;
  return (Array.isArray(value) ? value[0] : value)?.toString() ?? null;
}

function describeLetter(partition: number, message: KafkaMessage): DeadLetter {
  const origin = header(message, DEAD_LETTER_HEADERS.originTopic);
  return {
    partition,
    offset: message.offset,
    consumerGroup: header(message, DEAD_LETTER_HEADERS.consumerGroup),
    reason: header(message, DEAD_LETTER_HEADERS.reason),
    origin:
      origin === null
        ? null
        : `${origin}:${header(message, DEAD_LETTER_HEADERS.originPartition)}:${header(message, DEAD_LETTER_HEADERS.originOffset)}`,
    key: message.key?.toString() ?? null,
    value: message.value?.toString() ?? null,
  };
}
