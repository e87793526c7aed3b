import type { WorkspaceContext } from "../context.js";

/**
 * The Users page's "number of workspaces" (SPEC section 3), on identity's User entity. Counted
 * within the caller's organisation only, so nothing about another tenant can be learned.
 */
export async function workspaceCount(userId: string, ctx: WorkspaceContext): Promise<number> {
  if (ctx.actor.kind === "anonymous") return 0;
  return ctx.db.membership.count({ where: { userId, workspace: { organisationId: ctx.actor.organisationId } } });
}
