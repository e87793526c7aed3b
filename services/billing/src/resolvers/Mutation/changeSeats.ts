import { z } from "zod";
import { conflict } from "@support/errors";
import { parseInput } from "@support/validation";
import { requireOwner } from "../../authorization.js";
import { idempotencyKey } from "../../clients/stripe.js";
import { accountStamp, requireSeatsFor, seatCountInput } from "../../domain/subscription.js";
import type { MutationResolvers } from "../../generated/graphql.js";

const input = z.object({ seats: seatCountInput });

/**
 * Owner only. Asks Stripe for the new seat count (prorated); the account follows Stripe's webhook
 * and shows the asked count as pendingSeats until then.
 */
export const changeSeats: MutationResolvers["changeSeats"] = async (_, args, ctx) => {
  const account = await requireOwner(ctx, args.workspaceId);
  const { seats } = parseInput(input, args);
  if (!account.stripeSubscriptionId || account.status === "CANCELED") {
    throw conflict("The workspace has no active subscription; start a checkout first");
  }
  requireSeatsFor(seats, await ctx.people.seatUsage(args.workspaceId));
  const subscription = await ctx.stripe.retrieveForCaller(account.stripeSubscriptionId);
  if (!subscription.itemId) throw new Error(`subscription ${subscription.id} has no item`);
  const current = subscription.items[0]?.quantity;
  if (current !== seats) {
    await ctx.stripe.setSeats({
      itemId: subscription.itemId,
      seats,
      idempotencyKey: idempotencyKey("seats", subscription.itemId, current ?? null, seats, accountStamp(account)),
    });
  }
  // Stripe took the change; the account follows its webhook. Until then the answer (and
  // every read) shows the asked count as pendingSeats. A webhook already applied leaves none.
  await ctx.db.billingAccount.updateMany({
    where: { workspaceId: account.workspaceId, seats: { not: seats } },
    data: { requestedSeats: seats, seatsRequestedAt: new Date() },
  });
  return (await ctx.db.billingAccount.findUnique({ where: { workspaceId: account.workspaceId } })) ?? account;
};
