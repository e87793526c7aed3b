import { authorize } from "@support/permissions";
import { TRIAL } from "../domain/trial.js";
import type { WorkspaceResolvers } from "../generated/graphql.js";
import type { AccountView } from "./BillingAccount.js";

export const Workspace: WorkspaceResolvers = {
  /** Needs billing:view; a workspace created a moment ago shows its trial, marked pending. */
  billing: async (workspace, _, ctx) => {
    await authorize(ctx, workspace.id, "billing:view");
    return (await ctx.accounts.load(workspace.id)) ?? pendingTrial(workspace.id);
  },
};

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
