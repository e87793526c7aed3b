import { z } from "zod";
import { planLimit } from "@support/errors";
import { TRIAL } from "./trial.js";

export type Plan = "BASIC" | "PRO" | "UNLIMITED";
export type BillingStatus = "TRIALING" | "ACTIVE" | "PAST_DUE" | "CANCELED";
export const PLANS: readonly Plan[] = ["BASIC", "PRO", "UNLIMITED"];

/** What the billing account keeps of a Stripe subscription. */
export interface BillingState {
  plan: Plan;
  seats: number;
  status: BillingStatus;
  periodEnd: Date | null;
  trialEnd: Date | null;
  cancelAtPeriodEnd: boolean;
}

/** The parts of a Stripe subscription (API 2026-10-28) this service reads. */
export interface SubscriptionFacts {
  id: string;
  status: string;
  cancelAtPeriodEnd: boolean;
  /** Unix seconds. */
  trialEnd: number | null;
  items: Array<{ priceId: string; quantity: number; currentPeriodEnd: number }>;
}

const fromUnix = (seconds: number | null | undefined) => (seconds ? new Date(seconds * 1000) : null);

export function statusOf(stripeStatus: string): BillingStatus {
  switch (stripeStatus) {
    case "trialing":
      return "TRIALING";
    case "active":
      return "ACTIVE";
    case "canceled":
    case "incomplete_expired":
      return "CANCELED";
    default:
      // past_due, unpaid, incomplete, paused: money is owed or the first payment is pending.
      return "PAST_DUE";
  }
}

/**
 * The account state a subscription stands for. The plan is the plan of the item's price; a
 * subscription that has ended falls back to the BASIC plan and the trial's seat count, so a
 * canceled workspace keeps working within the free allowance.
 */
export function stateFromSubscription(
  subscription: SubscriptionFacts,
  planOfPrice: (priceId: string) => Plan | undefined,
): BillingState {
  const item = subscription.items.find((candidate) => planOfPrice(candidate.priceId));
  if (!item) throw new Error(`subscription ${subscription.id} has no item with a known plan price`);
  const status = statusOf(subscription.status);
  const plan = planOfPrice(item.priceId) as Plan;
  return {
    plan: status === "CANCELED" ? "BASIC" : plan,
    seats: status === "CANCELED" ? TRIAL.seats : item.quantity,
    status,
    periodEnd: fromUnix(item.currentPeriodEnd),
    trialEnd: fromUnix(subscription.trialEnd),
    cancelAtPeriodEnd: status !== "CANCELED" && subscription.cancelAtPeriodEnd,
  };
}

export type ApplyDecision = "apply" | "stale" | "ended-elsewhere";

/**
 * Whether a freshly fetched subscription may replace the account's state (docs/adr/0007), decided
 * from Stripe's data only, never from this instance's clock:
 * - an event of the account's current subscription created (Stripe's `created`) before the newest
 *   one already applied is stale: its re-fetch cannot tell anything the newer one's did not;
 * - a subscription Stripe has canceled never becomes live again, so a live state of the account's
 *   current, already canceled subscription is an older read;
 * - a canceled subscription other than the account's current one (an old one, ended after the
 *   workspace subscribed again) changes nothing.
 * Events of one subscription are applied one at a time (the processor's claim), so a fetch is
 * never overtaken by an older fetch of the same subscription.
 */
export function decideApply(
  account: { stripeSubscriptionId: string | null; stripeEventCreated: Date | null; status: BillingStatus },
  incoming: { subscriptionId: string; status: BillingStatus; eventCreated: Date },
): ApplyDecision {
  const same = account.stripeSubscriptionId === incoming.subscriptionId;
  if (same && account.stripeEventCreated && incoming.eventCreated.getTime() < account.stripeEventCreated.getTime())
    return "stale";
  if (same && account.status === "CANCELED" && incoming.status !== "CANCELED") return "stale";
  if (account.stripeSubscriptionId && !same && incoming.status === "CANCELED") return "ended-elsewhere";
  return "apply";
}

/** The plan a subscription is for, or undefined when none of its prices is one of ours. */
export function knownPlanOf(
  subscription: SubscriptionFacts,
  planOfPrice: (priceId: string) => Plan | undefined,
): Plan | undefined {
  for (const item of subscription.items) {
    const plan = planOfPrice(item.priceId);
    if (plan) return plan;
  }
  return undefined;
}

/** True while Stripe may still charge for the subscription. */
export const isLive = (stripeStatus: string): boolean => statusOf(stripeStatus) !== "CANCELED";

export interface BillingChange {
  field: keyof BillingState;
  old: string | number | boolean | null;
  new: string | number | boolean | null;
}

const comparable = (value: BillingState[keyof BillingState]) => (value instanceof Date ? value.toISOString() : value);

/** The fields that differ, old -> new (dates as ISO strings), in a stable order. */
export function diffState(before: BillingState, after: BillingState): BillingChange[] {
  const fields: Array<keyof BillingState> = ["plan", "seats", "status", "periodEnd", "trialEnd", "cancelAtPeriodEnd"];
  return fields
    .map((field) => ({ field, old: comparable(before[field]), new: comparable(after[field]) }))
    .filter((change) => change.old !== change.new);
}

/** The smallest seat count the workspace may buy: everyone in it plus everyone invited. */
export function minimumSeats(usage: { members: number; pendingInvitations: number }): number {
  return Math.max(1, usage.members + usage.pendingInvitations);
}

export const MAX_SEATS = 10_000;

/** A seat count a client may ask for (startCheckout, changeSeats). */
export const seatCountInput = z.number().int().min(1).max(MAX_SEATS);

/**
 * Refuses a seat count below the workspace's members plus pending invitations, naming both:
 * PLAN_LIMIT, as inviting someone without a free seat is.
 */
export function requireSeatsFor(wanted: number, usage: { memberCount: number; pendingInvitations: number }): void {
  const members = usage.memberCount;
  const pendingInvitations = usage.pendingInvitations;
  if (wanted < minimumSeats({ members, pendingInvitations })) {
    throw planLimit(
      `Cannot set ${wanted} seats: the workspace has ${members} members and ${pendingInvitations} pending invitations`,
      "seats",
    );
  }
}

/**
 * The account's state as part of an idempotency key: it changes whenever the account changes
 * (its updatedAt), so the same request about a changed account is a new request at Stripe.
 */
export const accountStamp = (account: { updatedAt: Date }): string => account.updatedAt.toISOString();
