import { createHash } from "node:crypto";
import Stripe from "stripe";
import { serviceUnavailable } from "@support/errors";
import type { BillingConfig } from "../config.js";
import type { Plan, SubscriptionFacts } from "../domain/subscription.js";

/** The Stripe API version this code is written against; every request pins it. */
const STRIPE_API_VERSION = "2026-10-28.endive" as const;

/**
 * The real `stripe` library, pointed at STRIPE_API_BASE (real Stripe or the local stand-in).
 * Network retries stay on: every write passes its own idempotency key, so a retry is replayed by
 * Stripe rather than applied twice.
 */
export function createStripe(config: Pick<BillingConfig, "STRIPE_API_BASE" | "STRIPE_SECRET_KEY">): Stripe {
  const base = new URL(config.STRIPE_API_BASE);
  const protocol = base.protocol === "http:" ? "http" : "https";
  return new Stripe(config.STRIPE_SECRET_KEY, {
    apiVersion: STRIPE_API_VERSION,
    host: base.hostname,
    port: base.port || (protocol === "http" ? 80 : 443),
    protocol,
    maxNetworkRetries: 2,
    timeout: 10_000,
    telemetry: false,
  });
}

/** A subscription as fetched: the facts the account keeps plus where it belongs. */
export interface FetchedSubscription extends SubscriptionFacts {
  customerId: string;
  /** The item whose quantity is the seat count. */
  itemId: string | null;
}

/** What a Checkout sells, to whom, and where it sends the payer back to. */
export interface CheckoutRequest {
  workspaceId: string;
  customerId: string | null;
  plan: Plan;
  seats: number;
  successUrl: string;
  cancelUrl: string;
}

export interface CreatedCheckoutSession {
  id: string;
  url: string;
  expiresAt: Date;
}

export interface FetchedCheckoutSession {
  id: string;
  status: string | null;
  mode: string;
  subscriptionId: string | null;
  customerId: string | null;
}

const idOf = (value: string | { id: string } | null | undefined): string | null =>
  typeof value === "string" ? value : (value?.id ?? null);

/** A stable idempotency key from the parts that make two requests "the same request". */
export function idempotencyKey(operation: string, ...parts: Array<string | number | null>): string {
  return `${operation}-${createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 40)}`;
}

/** True when Stripe could not be reached or failed on its side (the request may be retried). */
export function isStripeOutage(error: unknown): boolean {
  return (
    error instanceof Stripe.errors.StripeConnectionError ||
    error instanceof Stripe.errors.StripeAPIError ||
    error instanceof Stripe.errors.StripeRateLimitError ||
    (error instanceof Stripe.errors.StripeError && (error.statusCode ?? 0) >= 500)
  );
}

const OUTAGE_MESSAGE = "The payment provider is unavailable right now; nothing was changed. Please try again shortly.";

/**
 * The Stripe calls billing makes, each write with the idempotency key its caller derived, and
 * Stripe outages turned into one clear SERVICE_UNAVAILABLE error for GraphQL callers.
 */
export class BillingStripe {
  constructor(
    readonly stripe: Stripe,
    private readonly prices: Record<Plan, string>,
  ) {}

  planOfPrice = (priceId: string): Plan | undefined =>
    (Object.entries(this.prices) as Array<[Plan, string]>).find(([, price]) => price === priceId)?.[0];

  async createCheckoutSession(input: CheckoutRequest & { idempotencyKey: string }): Promise<CreatedCheckoutSession> {
    const session = await this.forCaller(() =>
      this.stripe.checkout.sessions.create(
        {
          mode: "subscription",
          ...(input.customerId ? { customer: input.customerId } : {}),
          client_reference_id: input.workspaceId,
          line_items: [{ price: this.prices[input.plan], quantity: input.seats }],
          success_url: input.successUrl,
          cancel_url: input.cancelUrl,
          metadata: { workspaceId: input.workspaceId },
          subscription_data: { metadata: { workspaceId: input.workspaceId } },
        },
        { idempotencyKey: input.idempotencyKey },
      ),
    );
    if (!session.url) throw new Error(`checkout session ${session.id} has no URL`);
    return { id: session.id, url: session.url, expiresAt: new Date(session.expires_at * 1000) };
  }

  /**
   * Expires an open Checkout Session, so it can no longer be paid. Answers the session's status
   * afterwards: `expired`, or `complete` when the customer paid before the expiry reached Stripe.
   */
  async expireCheckoutSession(sessionId: string): Promise<"expired" | "complete"> {
    return this.forCaller(async () => {
      try {
        const session = await this.stripe.checkout.sessions.expire(
          sessionId,
          {},
          { idempotencyKey: idempotencyKey("expire-checkout", sessionId) },
        );
        return session.status === "complete" ? "complete" : "expired";
      } catch (error) {
        // Not open any more (already expired or paid): Stripe's current state says which.
        if (!(error instanceof Stripe.errors.StripeInvalidRequestError)) throw error;
        const session = await this.stripe.checkout.sessions.retrieve(sessionId);
        if (session.status === "open") throw error;
        return session.status === "complete" ? "complete" : "expired";
      }
    });
  }

  /** A Checkout Session as Stripe has it now: whether it was paid, and the ids it created. */
  async retrieveCheckoutSession(sessionId: string): Promise<FetchedCheckoutSession> {
    const session = await this.stripe.checkout.sessions.retrieve(sessionId);
    return {
      id: session.id,
      status: session.status,
      mode: session.mode,
      subscriptionId: idOf(session.subscription),
      customerId: idOf(session.customer),
    };
  }

  async createPortalSession(input: { customerId: string; returnUrl: string; idempotencyKey: string }): Promise<string> {
    const session = await this.forCaller(() =>
      this.stripe.billingPortal.sessions.create(
        { customer: input.customerId, return_url: input.returnUrl },
        { idempotencyKey: input.idempotencyKey },
      ),
    );
    return session.url;
  }

  /** For GraphQL callers: an outage answers SERVICE_UNAVAILABLE. */
  retrieveForCaller(subscriptionId: string): Promise<FetchedSubscription> {
    return this.forCaller(() => this.retrieve(subscriptionId));
  }

  async retrieve(subscriptionId: string): Promise<FetchedSubscription> {
    return factsOf(await this.stripe.subscriptions.retrieve(subscriptionId));
  }

  async setSeats(input: { itemId: string; seats: number; idempotencyKey: string }): Promise<void> {
    await this.forCaller(() =>
      this.stripe.subscriptionItems.update(
        input.itemId,
        { quantity: input.seats, proration_behavior: "create_prorations" },
        { idempotencyKey: input.idempotencyKey },
      ),
    );
  }

  async cancelAtPeriodEnd(input: { subscriptionId: string; idempotencyKey: string }): Promise<void> {
    await this.forCaller(() =>
      this.stripe.subscriptions.update(
        input.subscriptionId,
        { cancel_at_period_end: true },
        { idempotencyKey: input.idempotencyKey },
      ),
    );
  }

  /** Ends a subscription at once (workspace deleted). Errors are rethrown as they are, for the retry loop. */
  async cancelNow(input: { subscriptionId: string; idempotencyKey: string }): Promise<FetchedSubscription> {
    return factsOf(
      await this.stripe.subscriptions.cancel(input.subscriptionId, {}, { idempotencyKey: input.idempotencyKey }),
    );
  }

  private async forCaller<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (isStripeOutage(error)) throw serviceUnavailable(OUTAGE_MESSAGE);
      throw error;
    }
  }
}

function factsOf(subscription: Stripe.Subscription): FetchedSubscription {
  const customer = subscription.customer;
  return {
    id: subscription.id,
    status: subscription.status,
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
    trialEnd: subscription.trial_end,
    customerId: typeof customer === "string" ? customer : customer.id,
    itemId: subscription.items.data[0]?.id ?? null,
    items: subscription.items.data.map((item) => ({
      priceId: item.price.id,
      quantity: item.quantity ?? 1,
      currentPeriodEnd: item.current_period_end,
    })),
  };
}
