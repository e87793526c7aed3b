import Stripe from "stripe";
import { eventActor, eventScope } from "@support/events";
import type { Logger } from "@support/logger";
import { metrics } from "@support/metrics";
import { LeaseWorker, backoffSeconds } from "@support/service-kit";
import { idempotencyKey, type BillingStripe } from "../clients/stripe.js";
import type { Db, Tx } from "../db/client.js";
import { AccountMovedOn, applySubscription } from "../db/apply-subscription.js";
import { tieSubscription } from "../db/tie-subscription.js";
import { accountChangeEvents } from "../domain/account-events.js";
import { subjectOf, webhookTypeLabel } from "../domain/stripe-events.js";
import { isLive, knownPlanOf } from "../domain/subscription.js";
import { publish } from "../events/publish.js";

/**
 * How processing an event ended; each is final (the event is never tried again) and stored in
 * `stripe_event.outcome`, with the reason in `last_error` when it was not applied.
 */
export type EventOutcome =
  | "applied"
  | "unchanged"
  | "stale"
  | "ended-elsewhere"
  /** Names nothing billing can act on (no subscription, or a session that created none). */
  | "ignored"
  /** Not tied to any workspace by ids our Checkout recorded (e.g. bought outside the product). */
  | "unmatched"
  /** Tied to more than one workspace, or to a different customer than recorded. */
  | "ambiguous"
  /** None of the subscription's prices is one of our plans'. */
  | "unknown-price"
  | "canceled-duplicate"
  | "canceled-workspace-gone"
  /** Stripe refused a request about it (e.g. the object does not exist): retrying cannot help. */
  | "rejected-by-stripe";

interface ClaimedEvent {
  id: string;
  type: string;
  payload: { type: string; created: number; data: { object: Record<string, unknown> } };
  attempts: number;
}

/** Stripe answered that the request can never succeed (4xx other than rate limits). */
const isPermanentStripeError = (error: unknown): error is Stripe.errors.StripeError =>
  error instanceof Stripe.errors.StripeInvalidRequestError;

/**
 * Applies stored webhook events (docs/adr/0007). For each: re-fetches from Stripe what the event
 * is about (the Checkout Session, then the subscription; outside any transaction), ties it to
 * exactly one workspace by the ids our own Checkout recorded, and then
 * - applies the subscription's current state to the account (one transaction: lock, decide
 *   staleness from Stripe's data, write, outbox events, mark the event processed), or
 * - cancels it at Stripe at once when the workspace already has another live subscription
 *   (publishing `billing.duplicate_subscription_canceled`) or no longer exists, or
 * - ends the event in a visible terminal outcome when it cannot be tied or can never apply.
 * Only failures that may pass (Stripe unreachable, a concurrent change) are retried, with back-off.
 * Events of one subscription never run at the same time (see `claim`).
 */
export function createStripeEventProcessor(options: { db: Db; stripe: BillingStripe; logger: Logger }) {
  const { db, stripe, logger } = options;

  async function finish(
    client: Db | Tx,
    claimed: ClaimedEvent,
    outcome: EventOutcome,
    reason: string | null = null,
  ): Promise<void> {
    await client.stripeEvent.update({
      where: { id: claimed.id },
      data: { processedAt: new Date(), lockedUntil: null, claimedUntil: null, outcome, lastError: reason },
    });
    metrics.stripeWebhooks().inc({ outcome, event_type: webhookTypeLabel(claimed.type) });
    const line = { stripeEvent: claimed.id, type: claimed.type, outcome, reason };
    if (outcome === "applied" || outcome === "unchanged" || outcome === "stale" || outcome === "ended-elsewhere") {
      logger.info(line, "Stripe event applied");
    } else if (outcome === "unmatched" || outcome === "ignored") {
      // Also every checkout's customer.subscription.created, which arrives before the session is completed.
      logger.info(line, "Stripe event not tied to a workspace; ignored (final)");
    } else {
      logger.warn(line, "Stripe event not applied (final)");
    }
  }

  /** Cancels a subscription at once; one that Stripe has already ended counts as cancelled. */
  async function cancelAtStripe(subscriptionId: string, operation: string): Promise<void> {
    try {
      await stripe.cancelNow({ subscriptionId, idempotencyKey: idempotencyKey(operation, subscriptionId) });
    } catch (error) {
      const alreadyEnded =
        error instanceof Stripe.errors.StripeInvalidRequestError &&
        !isLive((await stripe.retrieve(subscriptionId)).status);
      if (!alreadyEnded) throw error;
    }
  }

  async function process(claimed: ClaimedEvent): Promise<void> {
    const event = claimed.payload;
    const subject = subjectOf(event);
    if (!subject) return finish(db, claimed, "ignored", "the event names no subscription");

    let subscriptionId = subject.subscriptionId;
    if (subject.sessionId) {
      const recorded = await db.checkoutSession.findUnique({ where: { id: subject.sessionId } });
      if (!recorded) return finish(db, claimed, "unmatched", "a Checkout Session this product did not start");
      const session = await stripe.retrieveCheckoutSession(subject.sessionId);
      if (session.status !== "complete" || session.mode !== "subscription" || !session.subscriptionId) {
        return finish(db, claimed, "ignored", "the Checkout Session has not created a subscription");
      }
      // The ids of what our Checkout sold, from Stripe's own copy of the session.
      await db.checkoutSession.update({
        where: { id: recorded.id },
        data: {
          status: "complete",
          openForWorkspace: null,
          subscriptionId: session.subscriptionId,
          customerId: session.customerId,
        },
      });
      subscriptionId = session.subscriptionId;
    }
    if (!subscriptionId) return finish(db, claimed, "ignored", "the event names no subscription");

    const subscription = await stripe.retrieve(subscriptionId);
    const tie = await tieSubscription(db, subscription);
    switch (tie.kind) {
      case "none":
        return finish(db, claimed, "unmatched", "the subscription was not sold by this product's Checkout");
      case "ambiguous":
        return finish(db, claimed, "ambiguous", tie.reason);
      case "gone": {
        if (!isLive(subscription.status)) {
          return finish(db, claimed, "ignored", "the workspace no longer exists and the subscription has ended");
        }
        await cancelAtStripe(subscription.id, "cancel-workspace-gone");
        logger.warn(
          { workspaceId: tie.workspaceId, subscriptionId: subscription.id },
          "subscription canceled (workspace gone)",
        );
        return finish(db, claimed, "canceled-workspace-gone", "the workspace no longer exists; cancelled at Stripe");
      }
      case "account":
        break;
    }
    const account = tie.account;
    const plan = knownPlanOf(subscription, stripe.planOfPrice);
    if (!plan) return finish(db, claimed, "unknown-price", "none of the subscription's prices is a plan's price");

    const current = account.stripeSubscriptionId;
    if (current && current !== subscription.id && isLive(subscription.status)) {
      // A second paid subscription: the workspace keeps the one it has while Stripe says it is live.
      if (isLive((await stripe.retrieve(current)).status)) {
        await cancelAtStripe(subscription.id, "cancel-duplicate");
        await db.$transaction(async (tx) => {
          await publish(tx, {
            type: "billing.duplicate_subscription_canceled",
            ...eventScope({ id: account.workspaceId, organisationId: account.organisationId }),
            // Billing itself cancelled it (the change Stripe reported was the payment).
            actor: eventActor("system"),
            target: { type: "billing_account", id: account.workspaceId, label: null },
            data: { plan, seats: subscription.items[0]?.quantity ?? 0 },
          });
          await finish(tx, claimed, "canceled-duplicate", "the workspace already has a live subscription");
        });
        return;
      }
    }
    await db.$transaction(async (tx) => {
      const applied = await applySubscription(tx, {
        workspaceId: account.workspaceId,
        expectedSubscriptionId: current,
        subscription,
        eventCreated: new Date(event.created * 1000),
        planOfPrice: stripe.planOfPrice,
      });
      // What changed, old -> new, said in the transaction that changed it.
      if (applied.outcome === "applied") {
        await publish(tx, ...accountChangeEvents(applied.account, applied.changes, { type: "stripe" }));
      }
      await finish(tx, claimed, applied.outcome);
    });
  }

  return new LeaseWorker<ClaimedEvent>({
    name: "stripe-events",
    logger,
    claim: async () => {
      // Claims are taken one at a time (a transaction-level advisory lock), so that a claim sees
      // every earlier one: no event starts while another event of its subscription is running.
      const rows = await db.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT 1 AS claimed FROM (SELECT pg_advisory_xact_lock(70070001)) AS lock`;
        return tx.$queryRaw<ClaimedEvent[]>`
          UPDATE stripe_event
          SET locked_until = now() + interval '60 seconds', claimed_until = now() + interval '60 seconds',
              attempts = attempts + 1
          WHERE id = (
            SELECT e.id FROM stripe_event e
            WHERE e.processed_at IS NULL AND (e.locked_until IS NULL OR e.locked_until <= now())
              AND (e.subscription_id IS NULL OR NOT EXISTS (
                SELECT 1 FROM stripe_event o
                WHERE o.subscription_id = e.subscription_id AND o.id <> e.id AND o.claimed_until > now()))
            ORDER BY e.received_at LIMIT 1 FOR UPDATE SKIP LOCKED)
          RETURNING id, type, payload, attempts`;
      });
      return rows[0] ?? null;
    },
    run: async (claimed) => {
      try {
        await process(claimed);
      } catch (error) {
        if (!isPermanentStripeError(error)) throw error;
        await finish(db, claimed, "rejected-by-stripe", `Stripe: ${error.message}`);
      }
    },
    failed: async (claimed, error) => {
      if (!(error instanceof AccountMovedOn)) {
        logger.warn({ stripeEvent: claimed.id, attempts: claimed.attempts }, "Stripe event failed; it will be retried");
      }
      await db.$executeRaw`
        UPDATE stripe_event
        SET locked_until = now() + make_interval(secs => ${backoffSeconds(claimed.attempts)}::double precision),
            claimed_until = NULL,
            last_error = ${error instanceof Error ? error.message : String(error)}
        WHERE id = ${claimed.id}`;
    },
  });
}
