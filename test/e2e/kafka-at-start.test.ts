import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, test } from "@jest/globals";
import pg from "pg";
import { createEvent, createKafka } from "@support/events";
import { createLogger } from "@support/logger";
import { KafkaBroker, ensureTopics } from "@support/infra/kafka";
import { eventually, testStack } from "../harness/stack.js";
import { freePort, startService, stopStartedServices, terminate, untilReady } from "../harness/service-process.js";

const brokers: KafkaBroker[] = [];
afterAll(async () => {
  await stopStartedServices();
  for (const broker of brokers) await broker.stop();
});

async function billingAccountOf(workspaceId: string): Promise<{ plan: string } | undefined> {
  const stack = testStack();
  const url = new URL(stack.postgresServerUrl);
  url.pathname = `/support_billing${stack.databaseSuffix}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const result = await client.query<{ plan: string }>("SELECT plan FROM billing_account WHERE workspace_id = $1", [
      workspaceId,
    ]);
    return result.rows[0];
  } finally {
    await client.end();
  }
}

describe("a service started while Kafka is down", () => {
  test("is alive but not ready, then consumes once a broker appears, and still stops cleanly", async () => {
    const kafkaPort = await freePort();
    const instance = await startService("billing", { KAFKA_BROKERS: `127.0.0.1:${kafkaPort}` });

    // Not ready, and saying why: the database answers, Kafka does not.
    const notReady = await eventually(
      async () => {
        const response = await fetch(`${instance.url}/ready`);
        const body = (await response.json()) as { checks: Record<string, string> };
        return body.checks.database === "ok" ? { status: response.status, body } : undefined;
      },
      10_000,
      "the database check to answer",
    );
    expect(notReady.status).toBe(503);
    expect(notReady.body.checks.kafka).not.toBe("ok");

    // A broker comes up on that address; the service's consumer connects on its own.
    const controllerPort = await freePort();
    const broker = new KafkaBroker({
      port: kafkaPort,
      controllerPort,
      dataDir: `${new URL("../../.local/", import.meta.url).pathname}kafka_at_start_${process.pid}`,
    });
    brokers.push(broker);
    await broker.start();
    await ensureTopics(broker.brokers, ["workspace.events", "billing.events"]);

    const workspaceId = randomUUID();
    const kafka = createKafka(
      "kafka-at-start-test",
      broker.brokers,
      createLogger({ service: "test", level: "silent" }),
    );
    const producer = kafka.producer();
    await producer.connect();
    const event = createEvent({
      type: "workspace.created",
      workspaceId,
      organisationId: randomUUID(),
      actor: { type: "system" },
      target: { type: "workspace", id: workspaceId, label: "Late" },
      data: { ownerId: randomUUID() },
    });
    await producer.send({ topic: "workspace.events", messages: [{ key: workspaceId, value: JSON.stringify(event) }] });
    await producer.disconnect();

    const account = await eventually(() => billingAccountOf(workspaceId), 60_000, "billing to consume the event");
    expect(account.plan).toBe("BASIC");
    await untilReady(instance, 30_000, "billing to become ready");

    const { code, elapsedMs } = await terminate(instance);
    expect(code).toBe(0);
    expect(elapsedMs).toBeLessThan(10_000);
  }, 180_000);
});
