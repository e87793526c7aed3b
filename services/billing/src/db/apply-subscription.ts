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
import type { FetchedSubscription } from "../clients/stripe.js";

/** What applying did: the account as changed and what changed in it, or why nothing changed. */
export type ApplyResult =
  | { outcome: "applied"; account: BillingAccount; changes: BillingChange[] }
  | { outcome: "unchanged" | "stale" | "ended-elsewhere" };

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
 * caller's transaction, and answers what changed, old -> new, for the caller to publish in the same
 * transaction. Never calls Stripe. The account
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
  },
): Promise<ApplyResult> {
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
  if (decision !== "apply") return { outcome: decision };
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
  if (changes.length === 0) return { outcome: "unchanged" };
  return { outcome: "applied", account: updated, changes };
}
