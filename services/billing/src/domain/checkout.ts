import { z } from "zod";
import { badUserInput } from "@support/errors";

/** Where a Checkout stands, as the graph shows it (`CheckoutStatus`). */
export type CheckoutStatus = "OPEN" | "COMPLETE" | "EXPIRED";

/** A Checkout's status from Stripe's (`open`, `complete`, `expired`) and its expiry. */
function checkoutStatus(stripeStatus: string | null, expiresAt: Date, now = Date.now()): CheckoutStatus {
  if (stripeStatus === "complete") return "COMPLETE";
  if (stripeStatus === "expired" || expiresAt.getTime() <= now) return "EXPIRED";
  return "OPEN";
}

/** A Checkout as the graph shows it (`CheckoutSession`); `applied` once the account shows its subscription. */
export function checkoutView(
  session: { id: string; url: string; expiresAt: Date },
  stripeStatus: string | null,
  applied: boolean,
) {
  return {
    id: session.id,
    url: session.url,
    status: checkoutStatus(stripeStatus, session.expiresAt),
    expiresAt: session.expiresAt.toISOString(),
    applied,
  };
}

/** A client-named URL to send the payer back to (startCheckout's successUrl and cancelUrl, the portal's returnUrl). */
export const returnUrlInput = z
  .string()
  .max(2000)
  .url()
  .refine((value) => /^https?:\/\//.test(value), "must be an http(s) URL")
  .optional()
  .nullable();

/**
 * A client-named return URL must be on one of the app's origins (CHECKOUT_RETURN_ORIGINS, or
 * BILLING_RETURN_URL's): otherwise the product would send a payer wherever a caller says, an
 * open redirect through Stripe's pages. BAD_USER_INPUT naming the argument.
 */
export function requireAppOrigin(origins: ReadonlySet<string>, field: string, url: string | null | undefined): void {
  if (!url) return;
  if (origins.has(new URL(url).origin)) return;
  throw badUserInput(
    `${field} must be on one of the app's origins (${[...origins].join(", ")}); set CHECKOUT_RETURN_ORIGINS to allow another`,
    field,
    { reason: "RETURN_URL_NOT_ALLOWED" },
  );
}

/**
 * Where Checkout sends the payer after paying when the client names no URL: the billing page,
 * with the session's id, which Stripe fills in for `{CHECKOUT_SESSION_ID}`, so the page can ask
 * `billing { checkout(id) { status } }`.
 */
export function defaultSuccessUrl(base: string): string {
  const hash = base.indexOf("#");
  const [head, tail] = hash === -1 ? [base, ""] : [base.slice(0, hash), base.slice(hash)];
  return `${head}${head.includes("?") ? "&" : "?"}checkout_session={CHECKOUT_SESSION_ID}${tail}`;
}
