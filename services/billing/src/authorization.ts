import { AppError, ErrorCode, forbidden, isAppError } from "@support/errors";
import { authorize } from "@support/permissions";
import type { BillingContext } from "./context.js";
import type { BillingAccount } from "./db/generated/client.js";

/** Billing's FORBIDDEN says who may manage billing, rather than which permission is missing. */
const OWNER_ONLY = "Only the workspace owner can manage billing";

/**
 * Owner-only (`billing:manage`, SPEC section 2), and only people: API keys never manage billing.
 * Answers the account, which exists for every workspace the caller can see (opened from
 * `workspace.created`; CONFLICT with reason BILLING_PENDING in the moment before it is).
 */
export async function requireOwner(ctx: BillingContext, workspaceId: string): Promise<BillingAccount> {
  try {
    await authorize(ctx, workspaceId, "billing:manage");
  } catch (error) {
    if (isAppError(error) && error.code === ErrorCode.FORBIDDEN) throw forbidden(OWNER_ONLY);
    throw error;
  }
  if (ctx.actor.kind !== "user") throw forbidden(OWNER_ONLY);
  const account = await ctx.db.billingAccount.findUnique({ where: { workspaceId } });
  if (!account) {
    throw new AppError(ErrorCode.CONFLICT, "Billing is not set up for this workspace yet; try again in a moment", {
      reason: "BILLING_PENDING",
    });
  }
  return account;
}
