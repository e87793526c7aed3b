import { isAppError, notFound, unauthenticated } from "@support/errors";
import type { AuditContext } from "../context.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The caller may use `permission` on the workspace's log (docs/adr/0003). Once the workspace is
 * deleted the workspace service answers NOT_FOUND; its log then stays readable by the admins of
 * the organisation it belonged to (SPEC section 7), which the audit service learnt from the
 * `workspace.deleted` event. Anyone else gets the same NOT_FOUND.
 */
export async function requireLogAccess(ctx: AuditContext, workspaceId: string, permission: string): Promise<void> {
  if (ctx.actor.kind === "anonymous") throw unauthenticated();
  if (!UUID.test(workspaceId)) throw notFound("Workspace");
  try {
    await ctx.permissions.require(workspaceId, permission);
  } catch (error) {
    if (!isAppError(error) || error.code !== "NOT_FOUND") throw error;
    const actor = ctx.actor;
    if (actor.kind !== "user" || actor.orgRole !== "ORG_ADMIN") throw error;
    const deleted = await ctx.db.deletedWorkspace.findUnique({ where: { workspaceId } });
    if (!deleted || deleted.organisationId !== actor.organisationId) throw error;
  }
}
