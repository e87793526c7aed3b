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

export type ApplyOutcome = "applied" | "unchanged" | "stale" | "ended-elsewhere" | "no-account";

const stateOf = (account: BillingAccount): BillingState => ({
  plan: account.plan,
  seats: account.seats,
  status: account.status,
  periodEnd: account.periodEnd,
  trialEnd: account.trialEnd,
  cancelAtPeriodEnd: account.cancelAtPeriodEnd,
});

/** Locks and reads the account a subscription belongs to: by the workspace it names, else by its ids. */
async function lockAccount(tx: Tx, subscription: FetchedSubscription, workspaceHint: string | null) {
  const found = await tx.billingAccount.findFirst({
    where: {
      OR: [
        ...(workspaceHint ? [{ workspaceId: workspaceHint }] : []),
        ...(subscription.workspaceId ? [{ workspaceId: subscription.workspaceId }] : []),
        { stripeSubscriptionId: subscription.id },
        { stripeCustomerId: subscription.customerId },
      ],
    },
    select: { workspaceId: true },
  });
  if (!found) return null;
  await tx.$queryRaw`SELECT 1 FROM billing_account WHERE workspace_id = ${found.workspaceId}::uuid FOR UPDATE`;
  return tx.billingAccount.findUnique({ where: { workspaceId: found.workspaceId } });
}

/**
 * Makes the account match a subscription fetched from Stripe (docs/adr/0007), inside the
 * caller's transaction, and publishes what changed, old -> new. Never calls Stripe.
 */
export async function applySubscription(
  tx: Tx,
  input: {
    subscription: FetchedSubscription;
    /** When the fetch started. */
    fetchedAt: Date;
    workspaceHint: string | null;
    planOfPrice: (priceId: string) => Plan | undefined;
    actor: EventActor;
  },
): Promise<ApplyOutcome> {
  const account = await lockAccount(tx, input.subscription, input.workspaceHint);
  if (!account) return "no-account";
  const next = stateFromSubscription(input.subscription, input.planOfPrice);
  const decision = decideApply(account, {
    subscriptionId: input.subscription.id,
    status: next.status,
    fetchedAt: input.fetchedAt,
  });
  if (decision !== "apply") return decision;
  const changes = diffState(stateOf(account), next);
  const updated = await tx.billingAccount.update({
    where: { workspaceId: account.workspaceId },
    data: {
      ...next,
      stripeSubscriptionId: input.subscription.id,
      stripeCustomerId: input.subscription.customerId,
      stripeSyncedAt: input.fetchedAt,
      ...(changes.length > 0 ? { version: { increment: 1 } } : {}),
    },
  });
  if (changes.length === 0) return "unchanged";
  await enqueueEvents(tx, topicFor("billing"), changeEvents(updated, changes, input.actor));
  return "applied";
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
