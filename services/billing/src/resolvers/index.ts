import { notFound } from "@support/errors";
import type { BillingContext } from "../context.js";
import type { BillingAccount } from "../db/generated/client.js";

export const resolvers = {
  Workspace: {
    billing: async (workspace: { id: string }, _: unknown, ctx: BillingContext) => {
      if (ctx.actor.kind === "anonymous") throw notFound("Workspace");
      await ctx.permissions.require(workspace.id, "billing:view");
      return ctx.db.billingAccount.findUnique({ where: { workspaceId: workspace.id } });
    },
  },
  BillingAccount: {
    periodEnd: (account: BillingAccount) => account.periodEnd?.toISOString() ?? null,
  },
};
