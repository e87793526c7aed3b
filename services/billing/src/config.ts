import { httpUrl, loadConfigOrExit, permissionCacheSeconds, serviceEnv, z } from "@support/config";

/** Comma-separated exact origins (scheme, host and port; no path). */
const originList = z
  .string()
  .default("")
  .transform((value, context): string[] => {
    const origins = value
      .split(",")
      .map((entry) => entry.trim())
      .filter(Boolean);
    for (const origin of origins) {
      const parsed = URL.canParse(origin) ? new URL(origin) : null;
      if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
        context.addIssue({
          code: "custom",
          message: `"${origin}" is not an exact origin such as https://app.example.com (scheme, host and port only)`,
        });
        return z.NEVER;
      }
    }
    return [...new Set(origins)];
  });

const priceId = z.string().regex(/^price_\w+$/, "must be a Stripe price id (price_…)");

export const billingEnv = {
  ...serviceEnv,
  /** Base URL of the workspace service, for permission look-ups (docs/adr/0003). */
  WORKSPACE_SERVICE_URL: httpUrl,
  /** How long a permission answer is reused unless an invalidation names its workspace first (docs/adr/0003). */
  PERMISSION_CACHE_SECONDS: permissionCacheSeconds,
  /**
   * Where the Stripe API is: https://api.stripe.com for real Stripe, the local stand-in's URL
   * otherwise (infra/stripe-stand-in). The `stripe` library is pointed at its host, port and protocol.
   */
  STRIPE_API_BASE: httpUrl.default("https://api.stripe.com"),
  STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_\w+$/, "must be a Stripe secret key (sk_test_…)"),
  /** Signs the webhooks Stripe sends to POST /webhooks/stripe. */
  STRIPE_WEBHOOK_SECRET: z.string().regex(/^whsec_\w+$/, "must be a webhook signing secret (whsec_…)"),
  /** The recurring per-seat price of each plan. */
  STRIPE_PRICE_BASIC: priceId,
  STRIPE_PRICE_PRO: priceId,
  STRIPE_PRICE_UNLIMITED: priceId,
  /** Where Checkout and the portal send the customer back to (the frontend's billing page). */
  BILLING_RETURN_URL: httpUrl.default("http://127.0.0.1:4000/"),
  /**
   * The app's origins that a client-named successUrl, cancelUrl or returnUrl may point to,
   * comma-separated exact origins (`https://app.example.com`); BILLING_RETURN_URL's origin is
   * always allowed. Empty (the default) allows only that one: the product never sends a payer to
   * an address a caller made up. `npm start` and the tests allow the usual local dev servers.
   */
  CHECKOUT_RETURN_ORIGINS: originList,
};

export type BillingConfig = z.infer<z.ZodObject<typeof billingEnv>>;

export const loadBillingConfig = (env: NodeJS.ProcessEnv = process.env): BillingConfig =>
  loadConfigOrExit(billingEnv, env);
