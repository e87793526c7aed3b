import type { Actor } from "@support/actor-context";
import { ErrorCode, isAppError } from "@support/errors";
import { authorize, type Permission } from "@support/permissions";
import type { PermissionsClient } from "@support/service-kit";
import { isUuid } from "@support/validation";
import type { Db } from "./db/client.js";
import { SEES_EVERYTHING, logReaderOf, type LogReader } from "./domain/redaction.js";

/** What the check reads: who asks, where their standing comes from, and the deleted workspaces audit keeps. */
export interface LogAccessContext {
  actor: Actor;
  workspaces: PermissionsClient;
  db: Db;
}

/**
 * The caller may use `permission` on the workspace's log (`authorize`, docs/adr/0003), for the
 * GraphQL operations and the file routes alike. Once the workspace is deleted the workspace
 * service answers NOT_FOUND; its log then stays readable by the admins of the organisation it
 * belonged to (SPEC section 7), which the audit service learnt from the `workspace.deleted` event.
 * Anyone else gets the same NOT_FOUND. Answers what the caller sees of ticket entries (docs/adr/0013).
 */
export async function authorizeLog(
  ctx: LogAccessContext,
  workspaceId: string,
  permission: Permission,
): Promise<LogReader> {
  try {
    return logReaderOf(await authorize(ctx, workspaceId, permission));
  } catch (error) {
    if (!isAppError(error) || error.code !== ErrorCode.NOT_FOUND || !isUuid(workspaceId)) throw error;
    const actor = ctx.actor;
    if (actor.kind !== "user" || actor.orgRole !== "ORG_ADMIN") throw error;
    const deleted = await ctx.db.deletedWorkspace.findUnique({ where: { workspaceId } });
    if (!deleted || deleted.organisationId !== actor.organisationId) throw error;
    return SEES_EVERYTHING;
  }
}
