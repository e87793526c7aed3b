import { isAppError, notFound, unauthenticated } from "@support/errors";
import type { Actor } from "@support/actor-context";
import type { PermissionsClient } from "@support/service-kit";
import type { AuditContext } from "../context.js";
import type { Db } from "../db/client.js";
import { SEES_EVERYTHING, logReaderOf, type LogReader } from "../domain/redaction.js";
import { isUuid } from "@support/validation";

/**
 * The caller may use `permission` on the workspace's log (docs/adr/0003). Once the workspace is
 * deleted the workspace service answers NOT_FOUND; its log then stays readable by the admins of
 * the organisation it belonged to (SPEC section 7), which the audit service learnt from the
 * `workspace.deleted` event. Anyone else gets the same NOT_FOUND. Answers what the caller sees of
 * ticket entries (docs/adr/0013).
 */
export async function logAccess(
  deps: { actor: Actor; db: Db; permissions: PermissionsClient },
  workspaceId: string,
  permission: string,
): Promise<LogReader> {
  const actor = deps.actor;
  if (actor.kind === "anonymous") throw unauthenticated();
  if (!isUuid(workspaceId)) throw notFound("Workspace");
  try {
    return logReaderOf(await deps.permissions.require(workspaceId, permission));
  } catch (error) {
    if (!isAppError(error) || error.code !== "NOT_FOUND") throw error;
    if (actor.kind !== "user" || actor.orgRole !== "ORG_ADMIN") throw error;
    const deleted = await deps.db.deletedWorkspace.findUnique({ where: { workspaceId } });
    if (!deleted || deleted.organisationId !== actor.organisationId) throw error;
    return SEES_EVERYTHING;
  }
}

export const requireLogAccess = (ctx: AuditContext, workspaceId: string, permission: string): Promise<LogReader> =>
  logAccess(ctx, workspaceId, permission);
