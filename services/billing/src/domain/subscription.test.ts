import { describe, expect, test } from "@jest/globals";
import { decideApply, diffState, minimumSeats, stateFromSubscription, statusOf, type Plan } from "./subscription.js";

const prices: Record<string, Plan> = { price_basic: "BASIC", price_pro: "PRO", price_unlimited: "UNLIMITED" };
const planOfPrice = (price: string) => prices[price];
const subscription = (overrides: Partial<Parameters<typeof stateFromSubscription>[0]> = {}) => ({
  id: "sub_1",
  status: "active",
  cancelAtPeriodEnd: false,
  trialEnd: null,
  items: [{ priceId: "price_pro", quantity: 7, currentPeriodEnd: 1_900_000_000 }],
  ...overrides,
});

describe("stateFromSubscription", () => {
  test("plan from the item's price, seats from its quantity, period end from the item", () => {
    expect(stateFromSubscription(subscription(), planOfPrice)).toEqual({
      plan: "PRO",
      seats: 7,
      status: "ACTIVE",
      periodEnd: new Date(1_900_000_000_000),
      trialEnd: null,
      cancelAtPeriodEnd: false,
    });
  });

  test("a canceled subscription falls back to BASIC with the trial's seats", () => {
    expect(
      stateFromSubscription(subscription({ status: "canceled", cancelAtPeriodEnd: true }), planOfPrice),
    ).toMatchObject({ plan: "BASIC", seats: 3, status: "CANCELED", cancelAtPeriodEnd: false });
  });

  test("an unknown price is an error, not a guess", () => {
    expect(() =>
      stateFromSubscription(
        subscription({ items: [{ priceId: "price_other", quantity: 1, currentPeriodEnd: 1 }] }),
        planOfPrice,
      ),
    ).toThrow(/no item with a known plan price/);
  });

  test.each([
    ["trialing", "TRIALING"],
    ["active", "ACTIVE"],
    ["past_due", "PAST_DUE"],
    ["unpaid", "PAST_DUE"],
    ["incomplete", "PAST_DUE"],
    ["canceled", "CANCELED"],
    ["incomplete_expired", "CANCELED"],
  ])("Stripe status %s is %s", (stripe, ours) => {
    expect(statusOf(stripe)).toBe(ours);
  });
});

describe("decideApply", () => {
  const at = (ms: number) => new Date(ms);
  test("an event of the current subscription created before the newest applied one is stale (Stripe's clock)", () => {
    const account = { stripeSubscriptionId: "sub_1", stripeEventCreated: at(2000), status: "ACTIVE" as const };
    expect(decideApply(account, { subscriptionId: "sub_1", status: "ACTIVE", eventCreated: at(1000) })).toBe("stale");
    // Stripe's `created` has one-second resolution: a tie cannot be ordered, the re-fetch applies.
    expect(decideApply(account, { subscriptionId: "sub_1", status: "ACTIVE", eventCreated: at(2000) })).toBe("apply");
    expect(decideApply(account, { subscriptionId: "sub_1", status: "ACTIVE", eventCreated: at(3000) })).toBe("apply");
  });

  test("a canceled subscription never comes back: a live read of it is older", () => {
    const account = { stripeSubscriptionId: "sub_1", stripeEventCreated: at(2000), status: "CANCELED" as const };
    expect(decideApply(account, { subscriptionId: "sub_1", status: "ACTIVE", eventCreated: at(3000) })).toBe("stale");
  });

  test("an old subscription ending does not touch the account's current one; a new live one replaces it", () => {
    const account = { stripeSubscriptionId: "sub_new", stripeEventCreated: null, status: "ACTIVE" as const };
    expect(decideApply(account, { subscriptionId: "sub_old", status: "CANCELED", eventCreated: at(1) })).toBe(
      "ended-elsewhere",
    );
    expect(decideApply(account, { subscriptionId: "sub_other", status: "ACTIVE", eventCreated: at(1) })).toBe("apply");
  });
});

test("diffState lists changed fields old -> new, dates as ISO strings", () => {
  const before = {
    plan: "BASIC" as const,
    seats: 3,
    status: "TRIALING" as const,
    periodEnd: new Date(0),
    trialEnd: new Date(0),
    cancelAtPeriodEnd: false,
  };
  expect(diffState(before, { ...before, plan: "PRO", seats: 5, trialEnd: null })).toEqual([
    { field: "plan", old: "BASIC", new: "PRO" },
    { field: "seats", old: 3, new: 5 },
    { field: "trialEnd", old: "1970-01-01T00:00:00.000Z", new: null },
  ]);
  expect(diffState(before, { ...before, periodEnd: new Date(0) })).toEqual([]);
});

test("minimumSeats counts members and pending invitations, at least one", () => {
  expect(minimumSeats({ members: 4, pendingInvitations: 2 })).toBe(6);
  expect(minimumSeats({ members: 0, pendingInvitations: 0 })).toBe(1);
});
