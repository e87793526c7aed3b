import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, test } from "@jest/globals";
import { createWorkspace, eventually, graphqlOk, signUp, testStack } from "../harness/stack.js";
import {
  billingActivity,
  billingDb,
  billingEventually,
  billingLogFile,
  billingOf,
  buyOutsideProduct,
  outsideStripe,
  pay,
  planPrice,
  postWebhook,
  releaseWebhooks,
  standIn,
  startCheckout,
  stripeSubscription,
  subscribe,
  subscriptionEventsSettled,
} from "../harness/billing.js";

/**
 * Issue 19, part 2: Stripe webhooks that are correctly signed (the stand-in signs them with the
 * real `stripe` library, as Stripe would) but hostile. Whoever can create subscriptions in the
 * same Stripe account (the dashboard, another integration, a leaked API key) must not move a
 * workspace's plan; a signed body must be an event; a workspace holds one paid subscription; a
 * deleted workspace is not charged; events that can never apply end visibly; refusals do not
 * copy the body into the log.
 */

afterEach(async () => {
  await releaseWebhooks();
});

async function ownerWithWorkspace(name: string) {
  const owner = await signUp({ organisationName: `${name} Org` });
  const workspaceName = `${name} ${Date.now()}`;
  const workspaceId = await createWorkspace(owner.token, workspaceName);
  await billingEventually(owner.token, workspaceId, (b) => b.status === "TRIALING", "the trial to open");
  return { owner, workspaceId, workspaceName };
}

const accountRow = async (workspaceId: string) =>
  (
    await billingDb<{ stripe_subscription_id: string | null; stripe_customer_id: string | null; plan: string }>(
      "SELECT stripe_subscription_id, stripe_customer_id, plan FROM billing_account WHERE workspace_id = $1",
      [workspaceId],
    )
  )[0];

describe("the workspace comes from ids our Checkout recorded, never from the event", () => {
  test("a subscription bought outside the product naming another workspace (metadata, client_reference_id) does not touch it", async () => {
    const { owner, workspaceId } = await ownerWithWorkspace("Victim");
    const before = await billingOf(owner.token, workspaceId);
    const bought = await buyOutsideProduct({
      plan: "UNLIMITED",
      seats: 50,
      metadata: { workspaceId },
      clientReferenceId: workspaceId,
    });
    // customer.subscription.created, checkout.session.completed, invoice.paid: all signed, all hostile.
    const rows = await subscriptionEventsSettled(bought.subscriptionId, 3);
    expect(rows.map((row) => row.outcome)).toEqual(rows.map(() => "unmatched"));
    expect(await billingOf(owner.token, workspaceId)).toEqual(before);
    expect(await accountRow(workspaceId)).toMatchObject({ stripe_subscription_id: null, plan: "BASIC" });
  });

  test("another subscription of a paying workspace's own customer, with its id in metadata, does not downgrade it", async () => {
    const { owner, workspaceId } = await ownerWithWorkspace("Paying");
    const subscriptionId = await subscribe(owner.token, workspaceId, "PRO", 5);
    const customer = (await accountRow(workspaceId))?.stripe_customer_id;
    if (!customer) throw new Error("no customer recorded");
    const other = await buyOutsideProduct({ plan: "BASIC", seats: 1, customer, metadata: { workspaceId } });
    const rows = await subscriptionEventsSettled(other.subscriptionId, 3);
    expect(rows.every((row) => row.outcome === "unmatched")).toBe(true);
    // A later update of the outside subscription (e.g. in the dashboard) is not tied either.
    const item = (await stripeSubscription(other.subscriptionId)).items.data[0];
    if (!item) throw new Error("no item");
    await outsideStripe().subscriptionItems.update(item.id, { quantity: 2 });
    const updated = await subscriptionEventsSettled(other.subscriptionId, 4);
    expect(updated.every((row) => row.outcome === "unmatched")).toBe(true);

    expect(await billingOf(owner.token, workspaceId)).toMatchObject({ plan: "PRO", seats: 5, status: "ACTIVE" });
    expect(await accountRow(workspaceId)).toMatchObject({ stripe_subscription_id: subscriptionId });
  });
});

describe("a signed body that is not an event", () => {
  test.each([
    ["null", "null"],
    ["an array", "[]"],
    ["an empty object", "{}"],
    ["no id", JSON.stringify({ object: "event", type: "customer.subscription.updated", created: 1, data: {} })],
    ["no type", JSON.stringify({ id: "evt_hostile_no_type", object: "event", created: 1, data: { object: {} } })],
    ["no data", JSON.stringify({ id: "evt_hostile_no_data", object: "event", type: "invoice.paid", created: 1 })],
  ])("%s: HTTP 400 and nothing stored", async (_what, payload) => {
    const before = await billingDb<{ count: string }>("SELECT count(*) FROM stripe_event WHERE id LIKE 'evt_hostile%'");
    expect(await postWebhook(payload, {})).toBe(400);
    const after = await billingDb<{ count: string }>("SELECT count(*) FROM stripe_event WHERE id LIKE 'evt_hostile%'");
    expect(after[0]?.count).toBe(before[0]?.count);
  });
});

describe("one paid subscription per workspace", () => {
  test("a second startCheckout expires the first session: the first can no longer be paid", async () => {
    const { owner, workspaceId } = await ownerWithWorkspace("Twice");
    const first = await startCheckout(owner.token, workspaceId, "PRO", 3);
    const second = await startCheckout(owner.token, workspaceId, "PRO", 4);
    expect(second).not.toBe(first);
    await expect(pay(first)).rejects.toThrow(/HTTP 400/);
    await pay(second);
    await billingEventually(owner.token, workspaceId, (b) => b.plan === "PRO" && b.seats === 4, "PRO with 4 seats");
    const sessions = await billingDb<{ status: string }>(
      "SELECT status FROM checkout_session WHERE workspace_id = $1 ORDER BY created_at",
      [workspaceId],
    );
    expect(sessions.map((s) => s.status)).toEqual(["expired", "complete"]);
  });

  test("a second paid subscription that still arrives is cancelled at Stripe at once and the log says so", async () => {
    const { owner, workspaceId } = await ownerWithWorkspace("Duplicate");
    const first = await startCheckout(owner.token, workspaceId, "PRO", 3);
    const second = await startCheckout(owner.token, workspaceId, "PRO", 6);
    const kept = await pay(second);
    await billingEventually(owner.token, workspaceId, (b) => b.plan === "PRO" && b.seats === 6, "PRO with 6 seats");
    // A payment that was already under way when the first session was expired completes anyway.
    const sessionId = new URL(first).pathname.split("/").pop() ?? "";
    const duplicate = await standIn<{ subscription: string }>(`/_stand-in/checkout/${sessionId}/pay-anyway`, {});
    await eventually(
      async () => ((await stripeSubscription(duplicate.subscription)).status === "canceled" ? true : undefined),
      30_000,
      "the duplicate subscription to be cancelled at Stripe",
    );
    expect((await stripeSubscription(kept.subscription)).status).toBe("active");
    const rows = await subscriptionEventsSettled(duplicate.subscription, 3);
    expect(rows.map((row) => row.outcome)).toContain("canceled-duplicate");
    expect(await billingOf(owner.token, workspaceId)).toMatchObject({ plan: "PRO", seats: 6, status: "ACTIVE" });
    expect(await accountRow(workspaceId)).toMatchObject({ stripe_subscription_id: kept.subscription });
    await eventually(
      async () => {
        const log = await billingActivity(owner.token, workspaceId);
        return log.some((entry) => entry.action === "billing.duplicate_subscription_canceled") ? true : undefined;
      },
      20_000,
      "billing.duplicate_subscription_canceled in the activity log",
    );
  });
});

test("a Checkout paid after its workspace was deleted is cancelled when its events arrive", async () => {
  const { owner, workspaceId, workspaceName } = await ownerWithWorkspace("Deleted");
  const url = await startCheckout(owner.token, workspaceId, "PRO", 3);
  await graphqlOk("mutation($w: ID!, $n: String!) { deleteWorkspace(id: $w, confirmName: $n) { workspaceId } }", {
    token: owner.token,
    variables: { w: workspaceId, n: workspaceName },
  });
  await eventually(
    async () => ((await accountRow(workspaceId)) ? undefined : true),
    30_000,
    "billing to purge the deleted workspace's account",
  );
  const paid = await pay(url);
  await eventually(
    async () => ((await stripeSubscription(paid.subscription)).status === "canceled" ? true : undefined),
    30_000,
    "the orphaned subscription to be cancelled at Stripe",
  );
  const rows = await subscriptionEventsSettled(paid.subscription, 3);
  expect(rows.map((row) => row.outcome)).toContain("canceled-workspace-gone");
});

test("an event that can never apply (a price that is no plan's) ends in a visible final state, not retried", async () => {
  const { owner, workspaceId } = await ownerWithWorkspace("Unknown price");
  const subscriptionId = await subscribe(owner.token, workspaceId, "PRO", 3);
  const item = (await stripeSubscription(subscriptionId)).items.data[0];
  if (!item) throw new Error("no item");
  // Changed in the dashboard to a price billing does not know.
  await outsideStripe().subscriptions.update(subscriptionId, {
    items: [{ id: item.id, price: "price_not_one_of_ours" }],
  });
  const rows = await subscriptionEventsSettled(subscriptionId, 4);
  const updated = rows.find((row) => row.type === "customer.subscription.updated");
  expect(updated).toMatchObject({ outcome: "unknown-price", attempts: 1 });
  expect(updated?.last_error).toMatch(/price/);
  expect(await billingOf(owner.token, workspaceId)).toMatchObject({ plan: "PRO", seats: 3, status: "ACTIVE" });
  expect(planPrice("PRO")).not.toBe("price_not_one_of_ours");
});

test("a failed signature check logs the reason, never the body or the Stripe-Signature header", async () => {
  const bodyMarker = `BODY-${randomBytes(8).toString("hex")}`;
  const headerMarker = `HEADER${randomBytes(8).toString("hex")}`;
  const requestId = randomUUID();
  // Just under the route's 1 MiB limit, so it reaches the signature check.
  const body = JSON.stringify({ filler: bodyMarker.repeat(Math.floor((1024 * 1024 - 100) / bodyMarker.length)) });
  const response = await fetch(`${testStack().serviceUrls.billing}/webhooks/stripe`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-request-id": requestId,
      "stripe-signature": `t=${Math.floor(Date.now() / 1000)},v1=${"ab".repeat(32)},v0=${headerMarker}`,
    },
    body,
  });
  expect(response.status).toBe(400);
  await response.arrayBuffer();
  const log = await eventually(
    async () => {
      const text = readFileSync(billingLogFile(), "utf8");
      return text.split("\n").some((line) => line.includes(requestId) && line.includes("bad signature"))
        ? text
        : undefined;
    },
    20_000,
    "the refusal in billing's log",
  );
  const refusal = log.split("\n").find((line) => line.includes(requestId) && line.includes("bad signature")) ?? "";
  expect(refusal).toMatch(/No signatures found matching the expected signature/);
  expect(log).not.toContain(bodyMarker);
  expect(log).not.toContain(headerMarker);
});
