import DataLoader from "dataloader";
import type { WorkspaceContext } from "../context.js";

/**
 * The Users page's "number of workspaces" (SPEC section 3), on identity's User entity. Counted
 * within the caller's organisation only, so nothing about another tenant can be learned. One
 * grouped query per page of users (a loader per request), not one per row.
 */
export function workspaceCountLoader(ctx: Pick<WorkspaceContext, "actor" | "db">): DataLoader<string, number> {
  return new DataLoader(async (userIds: readonly string[]) => {
    if (ctx.actor.kind === "anonymous") return userIds.map(() => 0);
    const rows = await ctx.db.membership.groupBy({
      by: ["userId"],
      where: { userId: { in: [...userIds] }, workspace: { organisationId: ctx.actor.organisationId } },
      _count: { _all: true },
    });
    const counts = new Map(rows.map((row) => [row.userId, row._count._all]));
    return userIds.map((id) => counts.get(id) ?? 0);
  });
}
