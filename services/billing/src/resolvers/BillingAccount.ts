import type { BillingAccount as AccountRow } from "../db/generated/client.js";
import { checkoutView } from "../domain/checkout.js";
import type { BillingAccountResolvers } from "../generated/graphql.js";

/** What the graph shows of an account: the row, or the trial a new workspace is being given (Workspace.ts). */
export type AccountView = Pick<
  AccountRow,
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

export const BillingAccount: BillingAccountResolvers = {
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
          ctx.logger.warn({ err: error, checkoutSession: session.id }, "could not ask Stripe for a checkout's status");
          return status;
        });
    }
    const current = await ctx.accounts.load(account.workspaceId);
    return checkoutView(
      session,
      status,
      session.subscriptionId !== null && current?.stripeSubscriptionId === session.subscriptionId,
    );
  },
};
