import type { Db } from "./client.js";
import type { BillingAccount } from "./generated/client.js";
import type { FetchedSubscription } from "../clients/stripe.js";

/** Which workspace a subscription belongs to, by the ids we recorded (docs/adr/0007). */
export type Tie =
  | { kind: "none" }
  | { kind: "ambiguous"; reason: string }
  /** Our Checkout sold it to a workspace that no longer exists (deleted, its account purged). */
  | { kind: "gone"; workspaceId: string }
  | { kind: "account"; account: BillingAccount };

/**
 * Ties a subscription fetched from Stripe to exactly one workspace: the account that already has
 * it, or the Checkout Session our startCheckout created and whose completion (re-fetched from
 * Stripe) named it. Nothing an event carries (metadata, client_reference_id) and no customer id
 * alone ties anything: a customer may hold subscriptions bought outside the product. A customer
 * that differs from the one recorded with the Checkout Session is refused too.
 */
export async function tieSubscription(db: Db, subscription: FetchedSubscription): Promise<Tie> {
  const [accounts, sessions] = await Promise.all([
    db.billingAccount.findMany({ where: { stripeSubscriptionId: subscription.id } }),
    db.checkoutSession.findMany({
      where: { subscriptionId: subscription.id },
      select: { workspaceId: true, customerId: true },
    }),
  ]);
  const workspaces = new Set([
    ...accounts.map((account) => account.workspaceId),
    ...sessions.map((session) => session.workspaceId),
  ]);
  const [workspaceId, ...others] = [...workspaces];
  if (!workspaceId) return { kind: "none" };
  if (others.length > 0) return { kind: "ambiguous", reason: "the subscription is recorded for several workspaces" };
  const account = accounts[0] ?? (await db.billingAccount.findUnique({ where: { workspaceId } }));
  if (!account) return { kind: "gone", workspaceId };
  // A session's customer, as recorded from Stripe, must be the subscription's. (The account's own
  // customer may differ: a second session of a trial workspace creates a customer of its own.)
  if (sessions.some((session) => session.customerId !== null && session.customerId !== subscription.customerId)) {
    return { kind: "ambiguous", reason: "the subscription's customer is not the one its Checkout recorded" };
  }
  return { kind: "account", account };
}
