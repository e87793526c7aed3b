import { z } from "zod";
import {
  AppError,
  ErrorCode,
  badUserInput,
  conflict,
  forbidden,
  notFound,
  planLimit,
  unauthenticated,
} from "@support/errors";
import type { BillingContext } from "../context.js";
import type { BillingAccount } from "../db/generated/client.js";
import { MAX_SEATS, PLANS, minimumSeats, type Plan } from "../domain/subscription.js";
import { TRIAL } from "../domain/trial.js";
import { idempotencyKey } from "../stripe/billing-stripe.js";
import { openCheckout } from "../stripe/checkouts.js";
import { parseInput } from "@support/validation";
import type { Resolvers } from "../generated/graphql.js";

const workspaceId = z.string().uuid();
const seats = z.number().int().min(1).max(MAX_SEATS);
const returnUrl = z
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
function requireAppOrigin(ctx: BillingContext, field: string, url: string | null | undefined): void {
  if (!url) return;
  if (ctx.returnOrigins.has(new URL(url).origin)) return;
  throw badUserInput(
    `${field} must be on one of the app's origins (${[...ctx.returnOrigins].join(", ")}); set CHECKOUT_RETURN_ORIGINS to allow another`,
    field,
    { reason: "RETURN_URL_NOT_ALLOWED" },
  );
}

/**
 * Where Checkout sends the payer after paying when the client names no URL: the billing page,
 * with the session's id, which Stripe fills in for `{CHECKOUT_SESSION_ID}`, so the page can ask
 * `billing { checkout(id) { status } }`.
 */
function defaultSuccessUrl(base: string): string {
  const hash = base.indexOf("#");
  const [head, tail] = hash === -1 ? [base, ""] : [base.slice(0, hash), base.slice(hash)];
  return `${head}${head.includes("?") ? "&" : "?"}checkout_session={CHECKOUT_SESSION_ID}${tail}`;
}

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
  if (!account) {
    throw new AppError(ErrorCode.CONFLICT, "Billing is not set up for this workspace yet; try again in a moment", {
      reason: "BILLING_PENDING",
    });
  }
  return account;
}

/**
 * Refuses a seat count below the workspace's members plus pending invitations, naming both:
 * PLAN_LIMIT, as inviting someone without a free seat is.
 */
async function requireSeatsFor(ctx: BillingContext, id: string, wanted: number): Promise<void> {
  const usage = await ctx.people.seatUsage(id);
  const members = usage.memberCount;
  const pendingInvitations = usage.pendingInvitations;
  if (wanted < minimumSeats({ members, pendingInvitations })) {
    throw planLimit(
      `Cannot set ${wanted} seats: the workspace has ${members} members and ${pendingInvitations} pending invitations`,
      "seats",
    );
  }
}

const stamp = (account: BillingAccount) => account.updatedAt.toISOString();

/** What the graph shows of an account: the row, or the trial a new workspace is being given. */
export type AccountView = Pick<
  BillingAccount,
  | "workspaceId"
  | "plan"
  | "seats"
  | "status"
  | "periodEnd"
  | "trialEnd"
  | "cancelAtPeriodEnd"
  | "requestedSeats"
  | "createdAt"
> & { pending?: boolean };

/**
 * A workspace billing has not heard of yet: it was created a moment ago and its account is opened
 * from `workspace.created` (eventually consistent, milliseconds here). It is shown as the trial
 * every new workspace starts with, marked `pending`; the dates follow once the account exists.
 * Only workspaces the caller may see get here (the permission look-up of the workspace service).
 */
function pendingTrial(workspaceId: string): AccountView {
  return {
    workspaceId,
    plan: TRIAL.plan,
    seats: TRIAL.seats,
    status: TRIAL.status,
    periodEnd: null,
    trialEnd: null,
    cancelAtPeriodEnd: false,
    requestedSeats: null,
    createdAt: new Date(),
    pending: true,
  };
}

const checkoutStatus = (status: string | null, expiresAt: Date): "OPEN" | "COMPLETE" | "EXPIRED" => {
  if (status === "complete") return "COMPLETE";
  if (status === "expired" || expiresAt.getTime() <= Date.now()) return "EXPIRED";
  return "OPEN";
};

export const billingResolvers: Resolvers = {
  Workspace: {
    billing: async (workspace, _, ctx) => {
      if (ctx.actor.kind === "anonymous") throw unauthenticated();
      await ctx.permissions.require(workspace.id, "billing:view");
      return (await ctx.accounts.load(workspace.id)) ?? pendingTrial(workspace.id);
    },
  },
  BillingAccount: {
    periodEnd: (account) => account.periodEnd?.toISOString() ?? null,
    trialEnd: (account) => account.trialEnd?.toISOString() ?? null,
    pending: (account) => account.pending === true,
    pendingSeats: (account) =>
      account.requestedSeats !== null && account.requestedSeats !== account.seats ? account.requestedSeats : null,
    /**
     * A Checkout of this workspace by its session id (the `{CHECKOUT_SESSION_ID}` of the return
     * URL); null for an id this workspace never started. While the record says open, Stripe is
     * asked (the payment may be done before its webhook arrived).
     */
    checkout: async (account, args, ctx) => {
      if (typeof args.id !== "string" || args.id.length > 255) return null;
      const session = await ctx.db.checkoutSession.findFirst({
        where: { id: args.id, workspaceId: account.workspaceId },
      });
      if (!session) return null;
      let status = session.status;
      if (status === "open") {
        status = await ctx.stripe
          .retrieveCheckoutSession(session.id)
          .then((fetched) => fetched.status ?? status)
          .catch((error: unknown) => {
            ctx.logger.warn(
              { err: error, checkoutSession: session.id },
              "could not ask Stripe for a checkout's status",
            );
            return status;
          });
      }
      const current = await ctx.accounts.load(account.workspaceId);
      return {
        id: session.id,
        url: session.url,
        status: checkoutStatus(status, session.expiresAt),
        expiresAt: session.expiresAt.toISOString(),
        applied: session.subscriptionId !== null && current?.stripeSubscriptionId === session.subscriptionId,
      };
    },
  },
  Mutation: {
    /**
     * The account changes when Stripe's webhooks confirm the payment. At most one session is
     * open per workspace: a retried request gets the same session; a different one (or the same
     * once the account has changed) expires the open session and opens a new one
     * (stripe/checkouts.ts).
     */
    startCheckout: async (_, args, ctx) => {
      const account = await requireOwner(ctx, args);
      const input = parseInput(checkoutInput, args);
      if (account.stripeSubscriptionId && account.status !== "CANCELED") {
        throw conflict("The workspace already has a subscription; change its seats or use the billing portal");
      }
      requireAppOrigin(ctx, "successUrl", input.successUrl);
      requireAppOrigin(ctx, "cancelUrl", input.cancelUrl);
      await requireSeatsFor(ctx, input.workspaceId, input.seats);
      // One open session per workspace, recorded with it: the record ties the payment to it.
      const session = await openCheckout(ctx.db, ctx.stripe, {
        workspaceId: input.workspaceId,
        customerId: account.stripeCustomerId,
        plan: input.plan,
        seats: input.seats,
        successUrl: input.successUrl ?? defaultSuccessUrl(ctx.returnUrl),
        cancelUrl: input.cancelUrl ?? ctx.returnUrl,
        accountStamp: stamp(account),
      });
      return {
        id: session.id,
        url: session.url,
        status: checkoutStatus("open", session.expiresAt),
        expiresAt: session.expiresAt.toISOString(),
        applied: false,
      };
    },
    openBillingPortal: async (_, args, ctx) => {
      const account = await requireOwner(ctx, args);
      const input = parseInput(portalInput, args);
      requireAppOrigin(ctx, "returnUrl", input.returnUrl);
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
    changeSeats: async (_, args, ctx) => {
      const account = await requireOwner(ctx, args);
      const input = parseInput(seatsInput, args);
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
      // Stripe took the change; the account follows its webhook. Until then the answer (and
      // every read) shows the asked count as pendingSeats. A webhook already applied leaves none.
      await ctx.db.billingAccount.updateMany({
        where: { workspaceId: account.workspaceId, seats: { not: input.seats } },
        data: { requestedSeats: input.seats, seatsRequestedAt: new Date() },
      });
      return (await ctx.db.billingAccount.findUnique({ where: { workspaceId: account.workspaceId } })) ?? account;
    },
    cancelSubscription: async (_, args, ctx) => {
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
