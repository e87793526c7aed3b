import type Stripe from "stripe";
import type { Logger } from "@support/logger";
import type { Db } from "../db/client.js";
import { applySubscription } from "../db/apply-subscription.js";
import type { BillingStripe } from "./billing-stripe.js";
import { LeaseWorker, backoffSeconds } from "./lease-worker.js";

/** The event types that change an account; every other verified event is stored and ignored. */
export const APPLIED_EVENT_TYPES = new Set([
  "checkout.session.completed",
  "customer.subscription.created",
  "customer.subscription.updated",
  "customer.subscription.deleted",
  "invoice.paid",
  "invoice.payment_failed",
]);

interface ClaimedEvent {
  id: string;
  type: string;
  payload: Stripe.Event;
  attempts: number;
}

const idOf = (value: unknown): string | null =>
  typeof value === "string" ? value : typeof value === "object" && value && "id" in value ? String(value.id) : null;

/** Which subscription an event is about, and the workspace it names, if any. */
export function subjectOf(event: Stripe.Event): { subscriptionId: string | null; workspaceHint: string | null } {
  switch (event.type) {
    case "checkout.session.completed": {
      const session = event.data.object;
      return {
        subscriptionId: session.mode === "subscription" ? idOf(session.subscription) : null,
        workspaceHint: session.metadata?.workspaceId ?? session.client_reference_id ?? null,
      };
    }
    case "customer.subscription.created":
    case "customer.subscription.updated":
    case "customer.subscription.deleted":
      return { subscriptionId: event.data.object.id, workspaceHint: event.data.object.metadata?.workspaceId ?? null };
    case "invoice.paid":
    case "invoice.payment_failed": {
      const details = event.data.object.parent?.subscription_details;
      return {
        subscriptionId: idOf(details?.subscription),
        workspaceHint: details?.metadata?.workspaceId ?? null,
      };
    }
    default:
      return { subscriptionId: null, workspaceHint: null };
  }
}

const isUuid = (value: string | null): value is string =>
  value !== null && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);

/**
 * Applies stored webhook events (docs/adr/0007): for each, fetches the subscription it is about
 * from Stripe (outside any transaction), then in one transaction applies that current state
 * unless a newer fetch was applied already, publishes the changes (actor `stripe`) and marks the
 * event processed. A failure (Stripe down) leaves the event to be retried with back-off.
 */
export function createStripeEventProcessor(options: { db: Db; stripe: BillingStripe; logger: Logger }) {
  const { db, stripe, logger } = options;
  return new LeaseWorker<ClaimedEvent>({
    name: "stripe-events",
    logger,
    claim: async () => {
      const rows = await db.$queryRaw<ClaimedEvent[]>`
        UPDATE stripe_event SET locked_until = now() + interval '60 seconds', attempts = attempts + 1
        WHERE id = (
          SELECT id FROM stripe_event
          WHERE processed_at IS NULL AND (locked_until IS NULL OR locked_until <= now())
          ORDER BY received_at LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING id, type, payload, attempts`;
      return rows[0] ?? null;
    },
    run: async (claimed) => {
      const { subscriptionId, workspaceHint } = subjectOf(claimed.payload);
      if (!subscriptionId) {
        await db.stripeEvent.update({
          where: { id: claimed.id },
          data: { processedAt: new Date(), lockedUntil: null },
        });
        return;
      }
      const fetchedAt = new Date();
      const subscription = await stripe.retrieve(subscriptionId);
      const outcome = await db.$transaction(async (tx) => {
        const result = await applySubscription(tx, {
          subscription,
          fetchedAt,
          workspaceHint: isUuid(workspaceHint) ? workspaceHint : null,
          planOfPrice: stripe.planOfPrice,
          actor: { type: "stripe" },
        });
        await tx.stripeEvent.update({
          where: { id: claimed.id },
          data: {
            processedAt: new Date(),
            lockedUntil: null,
            lastError: result === "no-account" ? "no billing account" : null,
          },
        });
        return result;
      });
      logger.info({ stripeEvent: claimed.id, type: claimed.type, subscriptionId, outcome }, "Stripe event applied");
    },
    failed: async (claimed, error) => {
      await db.$executeRaw`
        UPDATE stripe_event
        SET locked_until = now() + make_interval(secs => ${backoffSeconds(claimed.attempts)}::double precision),
            last_error = ${error instanceof Error ? error.message : String(error)}
        WHERE id = ${claimed.id}`;
    },
  });
}
