import { unauthenticated } from "@support/errors";
import type { Workspace } from "../db/generated/client.js";
import type { WorkspaceContext } from "../context.js";
import { loadAccess, requirePermission } from "./access.js";
import { createWorkspace, listWorkspaces } from "./workspaces.js";

function requireSignedIn(ctx: WorkspaceContext): void {
  if (ctx.actor.kind === "anonymous") throw unauthenticated();
}

export const resolvers = {
  Query: {
    workspace: async (_: unknown, args: { id: string }, ctx: WorkspaceContext) => {
      requireSignedIn(ctx);
      return (await loadAccess(ctx.db, ctx.actor, args.id)).workspace;
    },
    workspaces: (_: unknown, __: unknown, ctx: WorkspaceContext) => listWorkspaces(ctx),
    myPermissions: async (_: unknown, args: { workspaceId: string }, ctx: WorkspaceContext) => {
      requireSignedIn(ctx);
      return (await loadAccess(ctx.db, ctx.actor, args.workspaceId)).permissions;
    },
  },
  Mutation: {
    createWorkspace: (_: unknown, args: { input: unknown }, ctx: WorkspaceContext) => createWorkspace(args, ctx),
  },
  Workspace: {
    __resolveReference: async (ref: { id: string }, ctx: WorkspaceContext) =>
      (await loadAccess(ctx.db, ctx.actor, ref.id)).workspace,
    myRole: async (workspace: Workspace, _: unknown, ctx: WorkspaceContext) => {
      if (ctx.actor.kind !== "user") return null;
      const membership = await ctx.db.membership.findUnique({
        where: { workspaceId_userId: { workspaceId: workspace.id, userId: ctx.actor.userId } },
      });
      return membership?.role ?? null;
    },
    members: async (workspace: Workspace, _: unknown, ctx: WorkspaceContext) => {
      requirePermission(await loadAccess(ctx.db, ctx.actor, workspace.id), "members:list");
      const memberships = await ctx.db.membership.findMany({
        where: { workspaceId: workspace.id },
        orderBy: { createdAt: "asc" },
      });
      return memberships.map((m) => ({ user: { id: m.userId }, role: m.role }));
    },
    createdAt: (workspace: Workspace) => workspace.createdAt.toISOString(),
  },
};
