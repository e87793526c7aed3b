import { afterEach, describe, expect, test } from "@jest/globals";
import { createWorkspace, errorCodes, eventually, graphql, graphqlOk, signUp, testStack } from "../harness/stack.js";
import {
  billingActivity,
  billingDb,
  billingEventually,
  billingOf,
  changeSeats,
  eventProcessed,
  pay,
  postWebhook,
  redeliver,
  holdWebhooks,
  releaseWebhooks,
  clearStripeFailure,
  setStripeFailure,
  standIn,
  standInEvents,
  standInStats,
  startCheckout,
  subscribe,
} from "../harness/billing.js";

/**
 * Billing against the local Stripe stand-in (issue 10): checkout, webhooks as the source of
 * truth (verified, applied once, never rolled back by an older event), Stripe failures, and the
 * activity log. Everything goes through the gateway and the real billing service.
 */

afterEach(async () => {
  await clearStripeFailure();
  await releaseWebhooks();
});

async function ownerWithWorkspace(name = "Billing") {
  const owner = await signUp({ organisationName: `${name} Org` });
  const workspaceId = await createWorkspace(owner.token, `${name} ${Date.now()}`);
  await billingEventually(owner.token, workspaceId, (b) => b.status === "TRIALING", "the trial to open");
  return { owner, workspaceId };
}

describe("checkout and webhooks", () => {
  test("a new workspace is on a BASIC trial with a trial end", async () => {
    const { owner, workspaceId } = await ownerWithWorkspace();
    const billing = await billingOf(owner.token, workspaceId);
    expect(billing).toMatchObject({ plan: "BASIC", seats: 3, status: "TRIALING", cancelAtPeriodEnd: false });
    expect(billing.trialEnd).toBe(billing.periodEnd);
  });

  test("checkout -> Pay -> checkout.session.completed: PRO with the bought seats, visible through the gateway, logged with actor stripe", async () => {
    const { owner, workspaceId } = await ownerWithWorkspace();
    const url = await startCheckout(owner.token, workspaceId, "PRO", 7);
    expect(url).toContain(`${testStack().stripe.standInUrl}/checkout/`);
    // The checkout page a developer would open has a Pay button.
    const page = await (await fetch(url)).text();
    expect(page).toContain(">Pay</button>");
    await pay(url);
    const billing = await billingEventually(owner.token, workspaceId, (b) => b.plan === "PRO", "PRO");
    expect(billing).toMatchObject({ plan: "PRO", seats: 7, status: "ACTIVE", cancelAtPeriodEnd: false });
    expect(new Date(billing.periodEnd ?? 0).getTime()).toBeGreaterThan(Date.now() + 20 * 86_400_000);

    const entries = await eventually(
      async () => {
        const log = await billingActivity(owner.token, workspaceId);
        return log.some((e) => e.action === "billing.status_changed") ? log : undefined;
      },
      20_000,
      "the billing changes in the activity log",
    );
    const byAction = (action: string) => entries.find((e) => e.action === action);
    expect(byAction("billing.plan_changed")).toMatchObject({
      actor: { type: "stripe" },
      changes: [{ field: "plan", old: "BASIC", new: "PRO" }],
    });
    expect(byAction("billing.seats_changed")).toMatchObject({
      actor: { type: "stripe" },
      changes: [{ field: "seats", old: 3, new: 7 }],
    });
    expect(byAction("billing.status_changed")).toMatchObject({
      actor: { type: "stripe" },
      changes: [{ field: "status", old: "TRIALING", new: "ACTIVE" }],
    });
    // The workspace service enforces from the same events.
    await eventually(async () => {
      const data = await graphqlOk<{ workspace: { plan: string; seats: number } }>(
        "query($w: ID!) { workspace(id: $w) { plan seats } }",
        { token: owner.token, variables: { w: workspaceId } },
      );
      return data.workspace.plan === "PRO" && data.workspace.seats === 7 ? true : undefined;
    });
  });

  test("a replayed event applies once; ten simultaneous deliveries of one event apply once", async () => {
    const { owner, workspaceId } = await ownerWithWorkspace();
    const subscriptionId = await subscribe(owner.token, workspaceId, "PRO", 5);
    const [completed] = await standInEvents({ type: "checkout.session.completed", subscription: subscriptionId });
    if (!completed) throw new Error("no checkout.session.completed event");
    expect((await redeliver(completed.id)).status).toBe(200);

    await holdWebhooks(subscriptionId);
    expect((await changeSeats(owner.token, workspaceId, 9)).errors).toBeUndefined();
    const updated = await eventually(async () => {
      const events = await standInEvents({ type: "customer.subscription.updated", subscription: subscriptionId });
      return events[0];
    });
    const statuses = await Promise.all(Array.from({ length: 10 }, () => redeliver(updated.id)));
    expect(statuses.map((s) => s.status)).toEqual(Array(10).fill(200));
    await eventProcessed(updated.id);
    await billingEventually(owner.token, workspaceId, (b) => b.seats === 9);

    const stored = await billingDb<{ count: string }>("SELECT count(*) FROM stripe_event WHERE id = ANY($1)", [
      [completed.id, updated.id],
    ]);
    expect(Number(stored[0]?.count)).toBe(2);
    const log = await eventually(async () => {
      const entries = await billingActivity(owner.token, workspaceId);
      return entries.filter((e) => e.action === "billing.seats_changed").length >= 2 ? entries : undefined;
    });
    const seatChanges = log.filter((e) => e.action === "billing.seats_changed").map((e) => e.changes[0]);
    // 3 -> 5 at checkout, 5 -> 9 once; the replays added nothing.
    expect(seatChanges).toEqual(
      expect.arrayContaining([
        { field: "seats", old: 3, new: 5 },
        { field: "seats", old: 5, new: 9 },
      ]),
    );
    expect(seatChanges).toHaveLength(2);
    expect(log.filter((e) => e.action === "billing.plan_changed")).toHaveLength(1);
  });

  test("customer.subscription.updated events delivered out of order end in the newest state", async () => {
    const { owner, workspaceId } = await ownerWithWorkspace();
    const subscriptionId = await subscribe(owner.token, workspaceId, "PRO", 4);
    await holdWebhooks(subscriptionId);
    expect((await changeSeats(owner.token, workspaceId, 6)).errors).toBeUndefined();
    expect((await changeSeats(owner.token, workspaceId, 8)).errors).toBeUndefined();
    const updates = await eventually(async () => {
      const events = await standInEvents({ type: "customer.subscription.updated", subscription: subscriptionId });
      return events.length === 2 ? events : undefined;
    });
    const quantityOf = (event: (typeof updates)[number]) =>
      (event.data.object.items as { data: Array<{ quantity: number }> }).data[0]?.quantity;
    expect(updates.map(quantityOf)).toEqual([6, 8]);
    const [older, newer] = updates;
    if (!older || !newer) throw new Error("two events expected");
    expect((await redeliver(newer.id)).status).toBe(200);
    await eventProcessed(newer.id);
    expect((await redeliver(older.id)).status).toBe(200);
    await eventProcessed(older.id);
    expect((await billingOf(owner.token, workspaceId)).seats).toBe(8);
  });

  test("a missing, wrong or stale signature answers 400 and changes nothing", async () => {
    const { owner, workspaceId } = await ownerWithWorkspace();
    const before = await billingOf(owner.token, workspaceId);
    const forged = (id: string) =>
      JSON.stringify({
        id,
        object: "event",
        type: "customer.subscription.updated",
        created: Math.floor(Date.now() / 1000),
        data: {
          object: {
            id: "sub_forged",
            object: "subscription",
            status: "active",
            metadata: { workspaceId },
            items: { data: [{ id: "si_forged", price: { id: "price_unlimited_per_seat" }, quantity: 999 }] },
          },
        },
      });
    const ids = ["evt_forged_missing", "evt_forged_wrong", "evt_forged_stale"];
    expect(await postWebhook(forged(ids[0] as string), null)).toBe(400);
    expect(await postWebhook(forged(ids[1] as string), { secret: "whsec_not_the_right_secret" })).toBe(400);
    expect(await postWebhook(forged(ids[2] as string), { timestamp: Math.floor(Date.now() / 1000) - 3600 })).toBe(400);
    const stored = await billingDb<{ count: string }>("SELECT count(*) FROM stripe_event WHERE id = ANY($1)", [ids]);
    expect(Number(stored[0]?.count)).toBe(0);
    expect(await billingOf(owner.token, workspaceId)).toEqual(before);
  });

  test("other verified event types are acknowledged and ignored", async () => {
    const payload = JSON.stringify({
      id: `evt_other_${Date.now()}`,
      object: "event",
      type: "customer.created",
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: "cus_x", object: "customer" } },
    });
    expect(await postWebhook(payload, {})).toBe(200);
  });

  test("invoice.payment_failed makes the account PAST_DUE", async () => {
    const { owner, workspaceId } = await ownerWithWorkspace();
    const subscriptionId = await subscribe(owner.token, workspaceId, "PRO", 3);
    await holdWebhooks(subscriptionId);
    const response = await fetch(
      `${testStack().stripe.standInUrl}/_stand-in/subscriptions/${subscriptionId}/payment-failed`,
      { method: "POST" },
    );
    expect(response.ok).toBe(true);
    // Only the invoice event: the status must follow from it alone.
    const [failed] = await standInEvents({ type: "invoice.payment_failed", subscription: subscriptionId });
    if (!failed) throw new Error("no invoice.payment_failed event");
    expect((await redeliver(failed.id)).status).toBe(200);
    await billingEventually(owner.token, workspaceId, (b) => b.status === "PAST_DUE", "PAST_DUE");
  });

  test("cancelSubscription cancels at the period end", async () => {
    const { owner, workspaceId } = await ownerWithWorkspace();
    await subscribe(owner.token, workspaceId, "PRO", 3);
    const result = await graphql<{ cancelSubscription: { status: string } }>(
      "mutation($w: ID!) { cancelSubscription(workspaceId: $w) { status } }",
      { token: owner.token, variables: { w: workspaceId } },
    );
    expect(result.errors).toBeUndefined();
    const billing = await billingEventually(
      owner.token,
      workspaceId,
      (b) => b.cancelAtPeriodEnd,
      "cancel at period end",
    );
    expect(billing).toMatchObject({ plan: "PRO", status: "ACTIVE", cancelAtPeriodEnd: true });
  });

  test("openBillingPortal answers a portal URL once there is a customer", async () => {
    const { owner, workspaceId } = await ownerWithWorkspace();
    const query = "mutation($w: ID!) { openBillingPortal(workspaceId: $w) { url } }";
    const before = await graphql(query, { token: owner.token, variables: { w: workspaceId } });
    expect(errorCodes(before)).toEqual(["CONFLICT"]);
    await subscribe(owner.token, workspaceId, "PRO", 3);
    const data = await graphqlOk<{ openBillingPortal: { url: string } }>(query, {
      token: owner.token,
      variables: { w: workspaceId },
    });
    expect(data.openBillingPortal.url).toContain("/portal/");
    expect((await fetch(data.openBillingPortal.url)).ok).toBe(true);
  });
});

describe("Stripe failing during startCheckout", () => {
  test.each(["http500", "unreachable"] as const)(
    "%s: a clear error, nothing written, and it works again once Stripe is back",
    async (mode) => {
      const { owner, workspaceId } = await ownerWithWorkspace();
      const sessionsBefore = (await standInStats(workspaceId))["POST /v1/checkout/sessions"] ?? 0;
      await setStripeFailure(mode, workspaceId);
      const result = await graphql(
        "mutation($w: ID!) { startCheckout(workspaceId: $w, plan: PRO, seats: 3) { url } }",
        { token: owner.token, variables: { w: workspaceId } },
      );
      expect(errorCodes(result)).toEqual(["SERVICE_UNAVAILABLE"]);
      expect(result.errors?.[0]?.message).toMatch(/payment provider is unavailable.*nothing was changed/i);
      expect(JSON.stringify(result.errors)).not.toMatch(/127\.0\.0\.1|ECONNRESET|stack/i);
      await clearStripeFailure();
      expect((await standInStats(workspaceId))["POST /v1/checkout/sessions"] ?? 0).toBe(sessionsBefore);
      const rows = await billingDb("SELECT * FROM billing_account WHERE workspace_id = $1", [workspaceId]);
      expect(rows[0]).toMatchObject({ stripe_customer_id: null, stripe_subscription_id: null, plan: "BASIC" });
      await subscribe(owner.token, workspaceId, "PRO", 3);
    },
    60_000,
  );

  test("failures asked for two workspaces stand side by side; ending one leaves the other", async () => {
    const first = await ownerWithWorkspace("Outage A");
    const second = await ownerWithWorkspace("Outage B");
    const checkout = (w: { owner: { token: string }; workspaceId: string }) =>
      graphql("mutation($w: ID!) { startCheckout(workspaceId: $w, plan: PRO, seats: 3) { url } }", {
        token: w.owner.token,
        variables: { w: w.workspaceId },
      });
    await setStripeFailure("http500", first.workspaceId);
    await setStripeFailure("unreachable", second.workspaceId);
    expect(errorCodes(await checkout(first))).toEqual(["SERVICE_UNAVAILABLE"]);
    expect(errorCodes(await checkout(second))).toEqual(["SERVICE_UNAVAILABLE"]);
    await standIn("/_stand-in/failure", { mode: "none", scope: first.workspaceId });
    expect((await checkout(first)).errors).toBeUndefined();
    expect(errorCodes(await checkout(second))).toEqual(["SERVICE_UNAVAILABLE"]);
  });

  test("a retried startCheckout gets the same session, not a second one", async () => {
    const { owner, workspaceId } = await ownerWithWorkspace();
    const first = await startCheckout(owner.token, workspaceId, "UNLIMITED", 4);
    const second = await startCheckout(owner.token, workspaceId, "UNLIMITED", 4);
    expect(second).toBe(first);
  });
});
