import { Kafka, logLevel, type Admin, type LogEntry } from "kafkajs";
import type { Logger } from "@support/logger";

/** One kafkajs client per process, logging through pino instead of kafkajs' console logger. */
export function createKafka(clientId: string, brokers: string[], logger: Logger): Kafka {
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5_000 },
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...rest } = log;
        const fields = { kafka: rest };
        if (level <= logLevel.ERROR) logger.error(fields, message);
        else logger.warn(fields, message);
      },
  });
}

/**
 * Partitions of every `<service>.events` topic (docs/adr/0002). The partition key is the event's
 * workspace, else its organisation: one workspace's events stay in order on one partition, and
 * up to this many instances of a consuming service share the work. Raising it later moves keys
 * to other partitions, so drain the topics first.
 */
export const EVENT_TOPIC_PARTITIONS = 6;

/**
 * The topic that tells every caching instance what changed (docs/adr/0003, 0011; produced and read
 * by service-kit's cache-invalidations). One partition: one fetch covers the whole topic, which the
 * instances' self-fence relies on.
 */
export const CACHE_INVALIDATIONS_TOPIC: TopicSpec = { topic: "cache.invalidations", numPartitions: 1 };

/** Where a consumer group's events go when they cannot be applied (docs/adr/0002). */
export const deadLetterTopicFor = (groupId: string): string => `${groupId}.dlq`;

/** What `events:replay` sends dead letters back to: only the group that failed reads it. */
export const replayTopicFor = (groupId: string): string => `${groupId}.replay`;

/** The consumer group a dead-letter topic belongs to, or null when the name is not `<group>.dlq`. */
export function groupOfDeadLetterTopic(topic: string): string | null {
  return topic.endsWith(".dlq") && topic.length > ".dlq".length ? topic.slice(0, -".dlq".length) : null;
}

export interface TopicSpec {
  topic: string;
  numPartitions: number;
}

/**
 * The topics of one consumer group: its replay topic and its dead-letter topic, one partition
 * each (they are small, and one partition keeps dead letters in the order they failed).
 */
export const consumerGroupTopics = (groupId: string): TopicSpec[] => [
  { topic: replayTopicFor(groupId), numPartitions: 1 },
  { topic: deadLetterTopicFor(groupId), numPartitions: 1 },
];

/**
 * Creates the topics that do not exist yet and adds partitions to those that have fewer than
 * asked (never fewer: Kafka cannot remove partitions). Safe to run from several processes.
 */
export async function ensureTopics(
  admin: Admin,
  specs: readonly TopicSpec[],
  log: (message: string) => void = () => undefined,
): Promise<void> {
  const wanted = new Map(specs.map((spec) => [spec.topic, spec]));
  const existing = new Set(await admin.listTopics());
  const missing = [...wanted.values()].filter((spec) => !existing.has(spec.topic));
  if (missing.length > 0) {
    // Resolves false rather than throwing when another process created them meanwhile. One
    // replica: the brokers here are single nodes (kafkajs' CreateTopics predates "broker default").
    await admin.createTopics({
      topics: missing.map(({ topic, numPartitions }) => ({ topic, numPartitions, replicationFactor: 1 })),
      waitForLeaders: true,
    });
  }
  const present = [...wanted.keys()].filter((topic) => existing.has(topic));
  if (present.length === 0) return;
  const { topics } = await admin.fetchTopicMetadata({ topics: present });
  const grow = topics.flatMap(({ name, partitions }) => {
    const count = wanted.get(name)?.numPartitions ?? 0;
    return partitions.length < count ? [{ topic: name, count, from: partitions.length }] : [];
  });
  if (grow.length === 0) return;
  for (const { topic, count, from } of grow) log(`Kafka: ${topic} grows from ${from} to ${count} partitions`);
  await admin.createPartitions({ topicPartitions: grow.map(({ topic, count }) => ({ topic, count })) });
}
