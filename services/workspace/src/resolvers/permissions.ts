import { notFound } from "@support/errors";
import { PERMISSION_CATALOGUE, type OrgRole, type PermissionDecision } from "@support/permissions";
import type { WorkspaceContext } from "../context.js";
import { explain } from "../domain/access.js";
import { knownPermissions } from "../domain/permission-input.js";
import { authorize, isUuid, loadAccess, membershipFacts } from "./access.js";

export async function myPermissions(workspaceId: string, ctx: WorkspaceContext): Promise<string[]> {
  return (await loadAccess(ctx.db, ctx.actor, workspaceId)).permissions;
}

/**
 * Why a user can or cannot use a permission (SPEC section 2), for admins: members:update, which
 * org admins and the workspace's owner and admins hold. The target's org role comes from the
 * person copy (docs/adr/0004); the caller's own from their signed context.
 */
export async function explainPermission(
  args: { workspaceId: string; userId: string; permission: string },
  ctx: WorkspaceContext,
): Promise<PermissionDecision & { workspaceId: string; userId: string }> {
  const access = await authorize(ctx.db, ctx.actor, args.workspaceId, "members:update");
  const [permission] = knownPermissions([args.permission], "permission");
  if (!permission) throw notFound("Permission");
  if (!isUuid(args.userId)) throw notFound("User");
  const membership = await membershipFacts(ctx.db, access.workspace.id, args.userId);
  // A deleted user's row is a tombstone (ADR 0002): not a person any more.
  const person = await ctx.db.person.findFirst({ where: { userId: args.userId, deletedAt: null } });
  const self = ctx.actor.kind === "user" && ctx.actor.userId === args.userId ? ctx.actor : null;
  if (person && person.organisationId !== access.workspace.organisationId) throw notFound("User");
  if (!membership && !person && !self) throw notFound("User");
  const orgRole: OrgRole = self?.orgRole ?? person?.orgRole ?? "MEMBER";
  const decision = explain(orgRole, membership, access, permission);
  return { ...decision, workspaceId: access.workspace.id, userId: args.userId };
}

export const permissionCatalogue = () => PERMISSION_CATALOGUE;
