import { conflict } from "@support/errors";
import type { Db } from "../db/client.js";
import type { Plan } from "../domain/subscription.js";
import { idempotencyKey, type BillingStripe } from "./billing-stripe.js";

/**
 * One open Checkout Session per workspace (docs/adr/0007). The same request (plan, seats, return
 * URLs, account state) gets the open session again; another request expires the open one at
 * Stripe first, so it can no longer be paid, then opens a new one. Every session is recorded
 * with its workspace: that record, never an event's metadata, is what ties the subscription a
 * payment creates to the workspace. `open_for_workspace` is unique, so two requests racing each
 * other cannot both leave a session open: the loser expires its own and answers CONFLICT.
 */
export async function openCheckout(
  db: Db,
  stripe: BillingStripe,
  input: {
    workspaceId: string;
    customerId: string | null;
    plan: Plan;
    seats: number;
    successUrl: string;
    cancelUrl: string;
    /** Changes whenever the account changes (its updatedAt). */
    accountStamp: string;
  },
): Promise<{ id: string; url: string; expiresAt: Date }> {
  const requestKey = idempotencyKey(
    "checkout-request",
    input.workspaceId,
    input.plan,
    input.seats,
    input.successUrl,
    input.cancelUrl,
    input.accountStamp,
  );
  const open = await db.checkoutSession.findUnique({ where: { openForWorkspace: input.workspaceId } });
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
    workspaceId: input.workspaceId,
    customerId: input.customerId,
    plan: input.plan,
    seats: input.seats,
    successUrl: input.successUrl,
    cancelUrl: input.cancelUrl,
    // The session it replaces is part of the key: asking again for an earlier request after
    // another one must not get the earlier, now expired, session replayed by Stripe.
    idempotencyKey: idempotencyKey("checkout", requestKey, open?.id ?? null),
  });
  try {
    await db.checkoutSession.upsert({
      where: { id: session.id },
      create: {
        id: session.id,
        workspaceId: input.workspaceId,
        openForWorkspace: input.workspaceId,
        requestKey,
        url: session.url,
        status: "open",
        customerId: input.customerId,
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
