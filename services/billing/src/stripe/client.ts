import Stripe from "stripe";
import type { BillingConfig } from "../config.js";

/** The Stripe API version this code is written against; every request pins it. */
export const STRIPE_API_VERSION = "2026-10-28.endive" as const;

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

export type { Stripe };
