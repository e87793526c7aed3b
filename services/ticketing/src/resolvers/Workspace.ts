import { authorize } from "@support/permissions";
import { slaPolicySettings } from "../db/sla-policies.js";
import type { WorkspaceResolvers } from "../generated/graphql.js";

export const Workspace: WorkspaceResolvers = {
  /** NOT_FOUND alike for a missing workspace and one the caller may not see. */
  __resolveReference: async (ref, ctx) => {
    await authorize(ctx, ref.id);
    return { id: ref.id };
  },
  /** The workspace's SLA policy; the defaults (SLA off) until one is set. */
  slaPolicy: async (workspace, _, ctx) => {
    await authorize(ctx, workspace.id, "workspace_settings:view");
    return slaPolicySettings(ctx.db, workspace.id);
  },
};
