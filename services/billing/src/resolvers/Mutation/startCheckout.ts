import { z } from "zod";
import { conflict } from "@support/errors";
import { parseInput } from "@support/validation";
import { requireOwner } from "../../authorization.js";
import { idempotencyKey, type BillingStripe, type CheckoutRequest } from "../../clients/stripe.js";
import type { Db } from "../../db/client.js";
import { checkoutView, defaultSuccessUrl, requireAppOrigin, returnUrlInput } from "../../domain/checkout.js";
import { PLANS, accountStamp, requireSeatsFor, seatCountInput, type Plan } from "../../domain/subscription.js";
import type { MutationResolvers } from "../../generated/graphql.js";

const input = z.object({
  plan: z.enum(PLANS as [Plan, ...Plan[]]),
  seats: seatCountInput,
  successUrl: returnUrlInput,
  cancelUrl: returnUrlInput,
});

/**
 * Owner only. The account changes when Stripe's webhooks confirm the payment. At most one session
 * is open per workspace: a retried request gets the same session; a different one (or the same
 * once the account has changed) expires the open session and opens a new one (`openCheckout`).
 */
export const startCheckout: MutationResolvers["startCheckout"] = async (_, args, ctx) => {
  const account = await requireOwner(ctx, args.workspaceId);
  const { plan, seats, successUrl, cancelUrl } = parseInput(input, args);
  if (account.stripeSubscriptionId && account.status !== "CANCELED") {
    throw conflict("The workspace already has a subscription; change its seats or use the billing portal");
  }
  requireAppOrigin(ctx.returnOrigins, "successUrl", successUrl);
  requireAppOrigin(ctx.returnOrigins, "cancelUrl", cancelUrl);
  requireSeatsFor(seats, await ctx.people.seatUsage(args.workspaceId));
  // One open session per workspace, recorded with it: the record ties the payment to it.
  const session = await openCheckout(ctx.db, ctx.stripe, {
    workspaceId: args.workspaceId,
    customerId: account.stripeCustomerId,
    plan,
    seats,
    successUrl: successUrl ?? defaultSuccessUrl(ctx.returnUrl),
    cancelUrl: cancelUrl ?? ctx.returnUrl,
    accountStamp: accountStamp(account),
  });
  return checkoutView(session, "open", false);
};

/**
 * One open Checkout Session per workspace (docs/adr/0007). The same request (plan, seats, return
 * URLs, account state) gets the open session again; another request expires the open one at
 * Stripe first, so it can no longer be paid, then opens a new one. Every session is recorded
 * with its workspace: that record, never an event's metadata, is what ties the subscription a
 * payment creates to the workspace. `open_for_workspace` is unique, so two requests racing each
 * other cannot both leave a session open: the loser expires its own and answers CONFLICT.
 */
async function openCheckout(
  db: Db,
  stripe: BillingStripe,
  request: CheckoutRequest & {
    /** Changes whenever the account changes (`accountStamp`). */
    accountStamp: string;
  },
): Promise<{ id: string; url: string; expiresAt: Date }> {
  const requestKey = idempotencyKey(
    "checkout-request",
    request.workspaceId,
    request.plan,
    request.seats,
    request.successUrl,
    request.cancelUrl,
    request.accountStamp,
  );
  const open = await db.checkoutSession.findUnique({ where: { openForWorkspace: request.workspaceId } });
  // Stripe's own expiry (expires_at), with a minute's margin for the owner to reach the page.
  if (open && open.requestKey === requestKey && open.expiresAt.getTime() > Date.now() + 60_000) return open;
  if (open) {
    const status = await stripe.expireCheckoutSession(open.id);
    await db.checkoutSession.updateMany({
      where: { id: open.id, status: "open" },
      data: { status, openForWorkspace: null },
    });
    if (status === "complete") {
      throw conflict("A checkout for this workspace has just been paid; its subscription shows in a moment");
    }
  }
  const session = await stripe.createCheckoutSession({
    workspaceId: request.workspaceId,
    customerId: request.customerId,
    plan: request.plan,
    seats: request.seats,
    successUrl: request.successUrl,
    cancelUrl: request.cancelUrl,
    // The session it replaces is part of the key: asking again for an earlier request after
    // another one must not get the earlier, now expired, session replayed by Stripe.
    idempotencyKey: idempotencyKey("checkout", requestKey, open?.id ?? null),
  });
  try {
    await db.checkoutSession.upsert({
      where: { id: session.id },
      create: {
        id: session.id,
        workspaceId: request.workspaceId,
        openForWorkspace: request.workspaceId,
        requestKey,
        url: session.url,
        status: "open",
        customerId: request.customerId,
        expiresAt: session.expiresAt,
      },
      update: {},
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    // Another request opened a session for this workspace meanwhile: ours must not stay payable.
    await stripe.expireCheckoutSession(session.id);
    throw conflict("Another checkout for this workspace was started at the same moment; try again");
  }
  return session;
}

const isUniqueViolation = (error: unknown): boolean =>
  typeof error === "object" && error !== null && "code" in error && (error as { code: unknown }).code === "P2002";
