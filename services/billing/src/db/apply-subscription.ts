import { createEvent, enqueueEvents, topicFor, type EventActor, type TypedEvent } from "@support/events";
import type { BillingAccount } from "./generated/client.js";
import type { Tx } from "./client.js";
import {
  decideApply,
  diffState,
  stateFromSubscription,
  type BillingChange,
  type BillingState,
  type Plan,
} from "../domain/subscription.js";
import type { FetchedSubscription } from "../stripe/billing-stripe.js";

export type ApplyOutcome = "applied" | "unchanged" | "stale" | "ended-elsewhere";

/** The account changed subscription between the processor's checks and this transaction: retry. */
export class AccountMovedOn extends Error {
  constructor(workspaceId: string) {
    super(`billing account ${workspaceId} changed subscription meanwhile; the event is retried`);
  }
}

const stateOf = (account: BillingAccount): BillingState => ({
  plan: account.plan,
  seats: account.seats,
  status: account.status,
  periodEnd: account.periodEnd,
  trialEnd: account.trialEnd,
  cancelAtPeriodEnd: account.cancelAtPeriodEnd,
});

/**
 * A seat count asked with changeSeats is settled once Stripe reports it, or once Stripe reports
 * a state newer than the request (a change made at Stripe afterwards, e.g. in the portal).
 */
function requestSettled(account: BillingAccount, seats: number, eventCreated: Date): boolean {
  if (account.requestedSeats === null) return false;
  return (
    seats === account.requestedSeats || (account.seatsRequestedAt !== null && eventCreated > account.seatsRequestedAt)
  );
}

/**
 * Makes the account of the workspace the processor tied the subscription to (by ids recorded by
 * our own Checkout, docs/adr/0007) match the subscription as fetched from Stripe, inside the
 * caller's transaction, and publishes what changed, old -> new. Never calls Stripe. The account
 * is locked and must still have the subscription the processor saw (`expectedSubscriptionId`),
 * otherwise it throws AccountMovedOn and the event is retried with the new facts.
 */
export async function applySubscription(
  tx: Tx,
  input: {
    workspaceId: string;
    expectedSubscriptionId: string | null;
    subscription: FetchedSubscription;
    /** The event's `created` (Stripe's clock). */
    eventCreated: Date;
    planOfPrice: (priceId: string) => Plan | undefined;
    actor: EventActor;
  },
): Promise<ApplyOutcome> {
  await tx.$queryRaw`SELECT 1 FROM billing_account WHERE workspace_id = ${input.workspaceId}::uuid FOR UPDATE`;
  const account = await tx.billingAccount.findUnique({ where: { workspaceId: input.workspaceId } });
  if (!account || account.stripeSubscriptionId !== input.expectedSubscriptionId) {
    throw new AccountMovedOn(input.workspaceId);
  }
  const next = stateFromSubscription(input.subscription, input.planOfPrice);
  const decision = decideApply(account, {
    subscriptionId: input.subscription.id,
    status: next.status,
    eventCreated: input.eventCreated,
  });
  if (decision !== "apply") return decision;
  const changes = diffState(stateOf(account), next);
  const newest =
    account.stripeSubscriptionId === input.subscription.id &&
    account.stripeEventCreated &&
    account.stripeEventCreated > input.eventCreated
      ? account.stripeEventCreated
      : input.eventCreated;
  const updated = await tx.billingAccount.update({
    where: { workspaceId: account.workspaceId },
    data: {
      ...next,
      stripeSubscriptionId: input.subscription.id,
      stripeCustomerId: input.subscription.customerId,
      stripeEventCreated: newest,
      ...(requestSettled(account, next.seats, input.eventCreated)
        ? { requestedSeats: null, seatsRequestedAt: null }
        : {}),
      ...(changes.length > 0 ? { version: { increment: 1 } } : {}),
    },
  });
  if (changes.length === 0) return "unchanged";
  await enqueueEvents(tx, topicFor("billing"), changeEvents(updated, changes, input.actor));
  return "applied";
}

/** Says that a second paid subscription of the workspace was cancelled at Stripe. */
export async function publishDuplicateCanceled(
  tx: Tx,
  account: BillingAccount,
  duplicate: { plan: Plan | null; seats: number },
): Promise<void> {
  await enqueueEvents(tx, topicFor("billing"), [
    createEvent({
      type: "billing.duplicate_subscription_canceled",
      workspaceId: account.workspaceId,
      organisationId: account.organisationId,
      // Billing itself cancelled it (the change Stripe reported was the payment).
      actor: { type: "system" },
      target: { type: "billing_account", id: account.workspaceId, label: null },
      changes: [],
      data: duplicate,
    }),
  ]);
}

/** One event per kind of change, each listing its own fields old -> new. */
function changeEvents(account: BillingAccount, changes: BillingChange[], actor: EventActor): TypedEvent[] {
  const next = stateOf(account);
  const base = {
    workspaceId: account.workspaceId,
    organisationId: account.organisationId,
    actor,
    target: { type: "billing_account" as const, id: account.workspaceId, label: null },
  };
  const pick = (...fields: Array<BillingChange["field"]>) => changes.filter((change) => fields.includes(change.field));
  // Every event carries the whole state after the change, so a consumer can keep a copy from any one.
  const state = {
    plan: next.plan,
    seats: next.seats,
    status: next.status,
    periodEnd: next.periodEnd?.toISOString() ?? null,
    aggregateVersion: account.version,
  };
  const events: TypedEvent[] = [];
  const plan = pick("plan");
  if (plan.length) events.push(createEvent({ ...base, type: "billing.plan_changed", changes: plan, data: state }));
  const seats = pick("seats");
  if (seats.length) events.push(createEvent({ ...base, type: "billing.seats_changed", changes: seats, data: state }));
  const status = pick("status");
  if (status.length)
    events.push(createEvent({ ...base, type: "billing.status_changed", changes: status, data: state }));
  const period = pick("periodEnd", "trialEnd", "cancelAtPeriodEnd");
  if (period.length) {
    events.push(
      createEvent({
        ...base,
        type: "billing.period_changed",
        changes: period,
        data: { ...state, trialEnd: next.trialEnd?.toISOString() ?? null, cancelAtPeriodEnd: next.cancelAtPeriodEnd },
      }),
    );
  }
  return events;
}
