import { describe, expect, test } from "@jest/globals";
import { KafkaBroker } from "@support/infra/kafka";
import { cachesLive, cachesReport } from "../harness/metrics.js";
import { createWorkspace, eventually, graphqlOk, signUp, testStack } from "../harness/stack.js";

const CREATED = `query($id: ID!) { activityLog(workspaceId: $id, filter: { action: "workspace.created" }) { nodes { action target { id } } } }`;

async function createdEntries(token: string, workspaceId: string): Promise<number> {
  const data = await graphqlOk<{ activityLog: { nodes: unknown[] } }>(CREATED, {
    token,
    variables: { id: workspaceId },
  });
  return data.activityLog.nodes.length;
}

describe("nothing is lost while Kafka is down", () => {
  test("workspaces created during an outage each reach the activity log exactly once after Kafka returns", async () => {
    const kafka = testStack().kafka;
    if (!kafka) throw new Error("this test needs the harness's own broker; unset KAFKA_BROKERS to run it");
    const broker = new KafkaBroker(kafka);
    const owner = await signUp({ organisationName: "Outage Org" });

    await broker.stop();
    try {
      // Operators see that the caches are bypassed (no invalidation can arrive): the gateway's
      // credentials and ticketing's permission answers are asked of their owners meanwhile.
      await cachesReport(false, "gateway", "ticketing");
      // Writes keep working: the events wait in the workspace service's outbox.
      const names = ["Outage 1", "Outage 2", "Outage 3", "Outage 4", "Outage 5"];
      const ids: string[] = [];
      for (const name of names) ids.push(await createWorkspace(owner.token, name));

      await broker.start();

      for (const id of ids) {
        await eventually(
          async () => ((await createdEntries(owner.token, id)) > 0 ? true : undefined),
          90_000,
          `workspace.created of ${id}`,
        );
      }
      // Give the relay and the consumer time to (wrongly) deliver anything twice.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      for (const id of ids) expect(await createdEntries(owner.token, id)).toBe(1);
      // And in use again once their feeds have rejoined.
      await cachesLive("gateway", "ticketing", "billing", "audit");
    } finally {
      await broker.start(); // no-op when already running; leaves the broker up for other suites
    }
  }, 180_000);
});
