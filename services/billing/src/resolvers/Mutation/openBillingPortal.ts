import { z } from "zod";
import { conflict } from "@support/errors";
import { parseInput } from "@support/validation";
import { requireOwner } from "../../authorization.js";
import { idempotencyKey } from "../../clients/stripe.js";
import { requireAppOrigin, returnUrlInput } from "../../domain/checkout.js";
import type { MutationResolvers } from "../../generated/graphql.js";

const input = z.object({ returnUrl: returnUrlInput });

/** Owner only. A Stripe customer portal session for the workspace's subscription. */
export const openBillingPortal: MutationResolvers["openBillingPortal"] = async (_, args, ctx) => {
  const account = await requireOwner(ctx, args.workspaceId);
  const { returnUrl } = parseInput(input, args);
  requireAppOrigin(ctx.returnOrigins, "returnUrl", returnUrl);
  if (!account.stripeCustomerId) throw conflict("The workspace has no subscription yet; start a checkout first");
  const url = await ctx.stripe.createPortalSession({
    customerId: account.stripeCustomerId,
    returnUrl: returnUrl ?? ctx.returnUrl,
    // Portal sessions are short-lived and harmless to repeat; one per minute and return URL.
    idempotencyKey: idempotencyKey(
      "portal",
      account.stripeCustomerId,
      returnUrl ?? null,
      Math.floor(Date.now() / 60_000),
    ),
  });
  return { url };
};
