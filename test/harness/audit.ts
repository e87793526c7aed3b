import { randomUUID } from "node:crypto";
import pg from "pg";
import { Partitioners, type Producer } from "kafkajs";
import { createKafka, type EventEnvelope, type NewEvent } from "@support/events";
import { createLogger } from "@support/logger";
import { SERVICES } from "@support/infra/services";
import { testStack } from "./stack.js";

/** A database of the harness's stack, by service. */
export function databaseUrlOf(service: string): string {
  const stack = testStack();
  const url = new URL(stack.postgresServerUrl);
  url.pathname = `/support_${service}${stack.databaseSuffix}`;
  return url.toString();
}

/** One statement against the audit service's database, as the role the service runs as. */
export async function auditQuery<Row extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: databaseUrlOf("audit") });
  await client.connect();
  try {
    return (await client.query<Row>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/**
 * Statements as a privileged operator who switches triggers off (`session_replication_role`
 * needs a superuser): what an attacker with full database access could do.
 */
export async function asPrivilegedOperator(statements: Array<{ sql: string; values?: unknown[] }>): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrlOf("audit") });
  await client.connect();
  try {
    await client.query("SET session_replication_role = replica");
    for (const { sql, values } of statements) await client.query(sql, values ?? []);
  } finally {
    await client.end();
  }
}

/** Every event any service wrote to its outbox for an organisation (what the audit log must hold). */
export async function outboxEventsOfOrganisation(organisationId: string): Promise<EventEnvelope[]> {
  const events: EventEnvelope[] = [];
  for (const service of SERVICES) {
    const client = new pg.Client({ connectionString: databaseUrlOf(service) });
    await client.connect();
    try {
      const { rows } = await client.query<{ payload: EventEnvelope }>(
        `SELECT payload FROM outbox_event WHERE payload->>'organisationId' = $1 ORDER BY seq`,
        [organisationId],
      );
      events.push(...rows.map((r) => r.payload));
    } finally {
      await client.end();
    }
  }
  return events;
}

let producer: Producer | null = null;

/** Sends raw messages to a topic of the harness's broker, as a producer of another service would. */
export async function sendToTopic(topic: string, messages: Array<{ key: string; value: string }>): Promise<void> {
  if (!producer) {
    const kafka = createKafka(
      "audit-test",
      testStack().kafkaBrokers,
      createLogger({ service: "audit-test", level: "silent" }),
    );
    producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
  }
  await producer.send({ topic, acks: -1, messages });
}

export async function disconnectProducer(): Promise<void> {
  await producer?.disconnect();
  producer = null;
}

/** Messages of a topic from its beginning, read by a throwaway consumer group until `done` says enough. */
/**
 * The events among a topic's messages. Hostile suites write malformed messages to the same
 * topics on purpose (consumers must survive them), so a reader skips what is not JSON.
 */
export function eventsIn(
  messages: ReadonlyArray<{ value: string }>,
): Array<{ type: string; data: Record<string, unknown> }> {
  return messages.flatMap((m) => {
    try {
      const event = JSON.parse(m.value) as { type?: unknown; data?: unknown } | null;
      return event && typeof event.type === "string" && typeof event.data === "object" && event.data !== null
        ? [event as { type: string; data: Record<string, unknown> }]
        : [];
    } catch {
      return [];
    }
  });
}

export async function readTopic<T>(
  topic: string,
  done: (messages: Array<{ value: string; headers: Record<string, string> }>) => T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const kafka = createKafka(
    "audit-test-reader",
    testStack().kafkaBrokers,
    createLogger({ service: "audit-test", level: "silent" }),
  );
  const reader = kafka.consumer({ groupId: `audit-test-reader-${Date.now()}-${Math.random()}`, maxWaitTimeInMs: 200 });
  const messages: Array<{ value: string; headers: Record<string, string> }> = [];
  await reader.connect();
  try {
    await reader.subscribe({ topic, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        messages.push({
          value: message.value?.toString() ?? "",
          headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, v?.toString() ?? ""])),
        });
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const result = done(messages);
      if (result !== undefined) return result;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`timed out reading ${topic} (${messages.length} messages)`);
  } finally {
    await reader.disconnect();
  }
}

/** An SLA warning about a ticket of the workspace, as ticketing publishes it: an event the audit log records. */
export function slaWarning(workspaceId: string, organisationId: string, label: string): NewEvent {
  const ticketId = randomUUID();
  return {
    type: "sla.warning",
    workspaceId,
    organisationId,
    actor: { type: "system" },
    target: { type: "ticket", id: ticketId, label },
    changes: [{ field: "slaWarnedAt", old: null, new: new Date().toISOString() }],
    data: { ticketId, number: 1, dueAt: new Date().toISOString(), recipientUserId: null },
  } as NewEvent;
}
