import { conflict } from "@support/errors";
import { requireOwner } from "../../authorization.js";
import { idempotencyKey } from "../../clients/stripe.js";
import { accountStamp } from "../../domain/subscription.js";
import type { MutationResolvers } from "../../generated/graphql.js";

/** Owner only. Cancels the subscription at the end of the current period; the account follows Stripe's webhook. */
export const cancelSubscription: MutationResolvers["cancelSubscription"] = async (_, args, ctx) => {
  const account = await requireOwner(ctx, args.workspaceId);
  if (!account.stripeSubscriptionId || account.status === "CANCELED") {
    throw conflict("The workspace has no active subscription to cancel");
  }
  if (!account.cancelAtPeriodEnd) {
    await ctx.stripe.cancelAtPeriodEnd({
      subscriptionId: account.stripeSubscriptionId,
      idempotencyKey: idempotencyKey("cancel", account.stripeSubscriptionId, accountStamp(account)),
    });
  }
  return account;
};
