import { notFound } from "@support/errors";
import { authorize, type OrgRole } from "@support/permissions";
import { isUuid } from "@support/validation";
import { membershipWithRole } from "../../db/access.js";
import { explain, membershipFactsOf } from "../../domain/access.js";
import { knownPermissions } from "../../domain/permission-input.js";
import type { QueryResolvers } from "../../generated/graphql.js";

/**
 * Why a user can or cannot use a permission (SPEC section 2), for admins: members:update, which
 * org admins and the workspace's owner and admins hold. Org roles are identity's: the caller's
 * own comes from their gateway-signed context, anyone else's from identity itself, never from
 * the event-fed person copy, which may lag (docs/adr/0004).
 */
export const explainPermission: QueryResolvers["explainPermission"] = async (_, args, ctx) => {
  const access = await authorize(ctx, args.workspaceId, "members:update");
  const [permission] = knownPermissions([args.permission], "permission");
  if (!permission) throw notFound("Permission");
  if (!isUuid(args.userId)) throw notFound("User");
  const self = ctx.actor.kind === "user" && ctx.actor.userId === args.userId ? ctx.actor : null;
  const [membership, person] = await Promise.all([
    membershipWithRole(ctx.db, access.workspace.id, args.userId),
    // Identity answers only people of the caller's organisation (the workspace's, see authorize).
    self ? null : ctx.identity.person(args.userId),
  ]);
  const orgRole: OrgRole | undefined = self?.orgRole ?? person?.orgRole;
  if (!orgRole) throw notFound("User");
  const decision = explain(orgRole, membership && membershipFactsOf(membership), access, permission);
  return { ...decision, workspaceId: access.workspace.id, userId: args.userId };
};
