import { notFound } from "@support/errors";
import { PERMISSION_CATALOGUE, type OrgRole, type PermissionDecision } from "@support/permissions";
import type { WorkspaceContext } from "../context.js";
import { explain } from "../domain/access.js";
import { knownPermissions } from "../domain/permission-input.js";
import { authorize, membershipFacts } from "./access.js";
import { isUuid } from "@support/validation";
import type { QueryExplainPermissionArgs } from "../generated/graphql.js";

/** Batched: `workspaces { myPermissions }` reads every workspace's standing in one go. */
export async function myPermissions(workspaceId: string, ctx: WorkspaceContext): Promise<string[]> {
  const access = await ctx.accesses.load(workspaceId);
  if (!access) throw notFound("Workspace");
  return access.permissions;
}

/**
 * Why a user can or cannot use a permission (SPEC section 2), for admins: members:update, which
 * org admins and the workspace's owner and admins hold. Org roles are identity's: the caller's
 * own comes from their gateway-signed context, anyone else's from identity itself, never from
 * the event-fed person copy, which may lag (docs/adr/0004).
 */
export async function explainPermission(
  args: QueryExplainPermissionArgs,
  ctx: WorkspaceContext,
): Promise<PermissionDecision & { workspaceId: string; userId: string }> {
  const access = await authorize(ctx.db, ctx.actor, args.workspaceId, "members:update");
  const [permission] = knownPermissions([args.permission], "permission");
  if (!permission) throw notFound("Permission");
  if (!isUuid(args.userId)) throw notFound("User");
  const self = ctx.actor.kind === "user" && ctx.actor.userId === args.userId ? ctx.actor : null;
  const [membership, person] = await Promise.all([
    membershipFacts(ctx.db, access.workspace.id, args.userId),
    // Identity answers only people of the caller's organisation (the workspace's, see authorize).
    self ? null : ctx.identity.person(args.userId),
  ]);
  const orgRole: OrgRole | undefined = self?.orgRole ?? person?.orgRole;
  if (!orgRole) throw notFound("User");
  const decision = explain(orgRole, membership, access, permission);
  return { ...decision, workspaceId: access.workspace.id, userId: args.userId };
}

export const permissionCatalogue = () => PERMISSION_CATALOGUE;
