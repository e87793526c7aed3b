import { z } from "zod";
import { badUserInput, conflict, forbidden, invalidInput, notFound, unauthenticated } from "@support/errors";
import type { BillingContext } from "../context.js";
import type { BillingAccount } from "../db/generated/client.js";
import { MAX_SEATS, PLANS, minimumSeats, type Plan } from "../domain/subscription.js";
import { idempotencyKey } from "../stripe/billing-stripe.js";
import { openCheckout } from "../stripe/checkouts.js";

const workspaceId = z.string().uuid();
const seats = z.number().int().min(1).max(MAX_SEATS);
const returnUrl = z
  .string()
  .max(2000)
  .url()
  .refine((value) => /^https?:\/\//.test(value), "must be an http(s) URL")
  .optional()
  .nullable();

const checkoutInput = z.object({
  workspaceId,
  plan: z.enum(PLANS as [Plan, ...Plan[]]),
  seats,
  successUrl: returnUrl,
  cancelUrl: returnUrl,
});
const portalInput = z.object({ workspaceId, returnUrl });
const seatsInput = z.object({ workspaceId, seats });

/** A malformed workspace id is a workspace that does not exist. */
function workspaceIdOf(args: unknown): string {
  const parsed = z.object({ workspaceId }).safeParse(args);
  if (!parsed.success) throw notFound("Workspace");
  return parsed.data.workspaceId;
}

function parse<T>(schema: z.ZodType<T>, args: unknown): T {
  const parsed = schema.safeParse(args);
  if (parsed.success) return parsed.data;
  throw invalidInput(parsed.error.issues);
}

/**
 * Owner-only (`billing:manage`, SPEC section 2), and only people: API keys never manage billing.
 * Answers the account, which exists for every workspace the caller can see.
 */
async function requireOwner(ctx: BillingContext, args: unknown): Promise<BillingAccount> {
  if (ctx.actor.kind === "anonymous") throw unauthenticated();
  const id = workspaceIdOf(args);
  const access = await ctx.permissions.forWorkspace(id);
  if (ctx.actor.kind !== "user" || !access.permissions.includes("billing:manage")) {
    throw forbidden("Only the workspace owner can manage billing");
  }
  const account = await ctx.db.billingAccount.findUnique({ where: { workspaceId: id } });
  if (!account) throw conflict("Billing is not set up for this workspace yet; try again in a moment");
  return account;
}

/** Refuses a seat count below the workspace's members plus pending invitations, naming both. */
async function requireSeatsFor(ctx: BillingContext, id: string, wanted: number): Promise<void> {
  const usage = await ctx.people.seatUsage(id);
  const members = usage.memberCount;
  const pendingInvitations = usage.pendingInvitations;
  if (wanted < minimumSeats({ members, pendingInvitations })) {
    throw badUserInput(
      `Cannot set ${wanted} seats: the workspace has ${members} members and ${pendingInvitations} pending invitations`,
      "seats",
    );
  }
}

const stamp = (account: BillingAccount) => account.updatedAt.toISOString();

export const billingResolvers = {
  Workspace: {
    billing: async (workspace: { id: string }, _: unknown, ctx: BillingContext) => {
      if (ctx.actor.kind === "anonymous") throw unauthenticated();
      await ctx.permissions.require(workspace.id, "billing:view");
      return ctx.accounts.load(workspace.id);
    },
  },
  BillingAccount: {
    periodEnd: (account: BillingAccount) => account.periodEnd?.toISOString() ?? null,
    trialEnd: (account: BillingAccount) => account.trialEnd?.toISOString() ?? null,
  },
  Mutation: {
    /**
     * The account changes when Stripe's webhooks confirm the payment. At most one session is
     * open per workspace: a retried request gets the same session; a different one (or the same
     * once the account has changed) expires the open session and opens a new one
     * (stripe/checkouts.ts).
     */
    startCheckout: async (_: unknown, args: unknown, ctx: BillingContext) => {
      const account = await requireOwner(ctx, args);
      const input = parse(checkoutInput, args);
      if (account.stripeSubscriptionId && account.status !== "CANCELED") {
        throw conflict("The workspace already has a subscription; change its seats or use the billing portal");
      }
      await requireSeatsFor(ctx, input.workspaceId, input.seats);
      // One open session per workspace, recorded with it: the record ties the payment to it.
      const url = await openCheckout(ctx.db, ctx.stripe, {
        workspaceId: input.workspaceId,
        customerId: account.stripeCustomerId,
        plan: input.plan,
        seats: input.seats,
        successUrl: input.successUrl ?? ctx.returnUrl,
        cancelUrl: input.cancelUrl ?? ctx.returnUrl,
        accountStamp: stamp(account),
      });
      return { url };
    },
    openBillingPortal: async (_: unknown, args: unknown, ctx: BillingContext) => {
      const account = await requireOwner(ctx, args);
      const input = parse(portalInput, args);
      if (!account.stripeCustomerId) throw conflict("The workspace has no subscription yet; start a checkout first");
      const url = await ctx.stripe.createPortalSession({
        customerId: account.stripeCustomerId,
        returnUrl: input.returnUrl ?? ctx.returnUrl,
        // Portal sessions are short-lived and harmless to repeat; one per minute and return URL.
        idempotencyKey: idempotencyKey(
          "portal",
          account.stripeCustomerId,
          input.returnUrl ?? null,
          Math.floor(Date.now() / 60_000),
        ),
      });
      return { url };
    },
    changeSeats: async (_: unknown, args: unknown, ctx: BillingContext) => {
      const account = await requireOwner(ctx, args);
      const input = parse(seatsInput, args);
      if (!account.stripeSubscriptionId || account.status === "CANCELED") {
        throw conflict("The workspace has no active subscription; start a checkout first");
      }
      await requireSeatsFor(ctx, input.workspaceId, input.seats);
      const subscription = await ctx.stripe.retrieveForCaller(account.stripeSubscriptionId);
      if (!subscription.itemId) throw new Error(`subscription ${subscription.id} has no item`);
      const current = subscription.items[0]?.quantity;
      if (current !== input.seats) {
        await ctx.stripe.setSeats({
          itemId: subscription.itemId,
          seats: input.seats,
          idempotencyKey: idempotencyKey("seats", subscription.itemId, current ?? null, input.seats, stamp(account)),
        });
      }
      return account;
    },
    cancelSubscription: async (_: unknown, args: unknown, ctx: BillingContext) => {
      const account = await requireOwner(ctx, args);
      if (!account.stripeSubscriptionId || account.status === "CANCELED") {
        throw conflict("The workspace has no active subscription to cancel");
      }
      if (!account.cancelAtPeriodEnd) {
        await ctx.stripe.cancelAtPeriodEnd({
          subscriptionId: account.stripeSubscriptionId,
          idempotencyKey: idempotencyKey("cancel", account.stripeSubscriptionId, stamp(account)),
        });
      }
      return account;
    },
  },
};
