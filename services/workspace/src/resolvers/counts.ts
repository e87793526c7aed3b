import DataLoader from "dataloader";
import type { WorkspaceContext } from "../context.js";

/**
 * Per request: how many members (and teams) each workspace asked about has, one grouped query
 * per batch, so `workspaces { nodes { members { totalCount } } }` counts once for the page.
 */
export function memberCountLoader(ctx: Pick<WorkspaceContext, "db">): DataLoader<string, number> {
  return new DataLoader(async (workspaceIds: readonly string[]) => {
    const groups = await ctx.db.membership.groupBy({
      by: ["workspaceId"],
      where: { workspaceId: { in: [...workspaceIds] } },
      _count: { _all: true },
    });
    return workspaceIds.map((id) => groups.find((g) => g.workspaceId === id)?._count._all ?? 0);
  });
}

export function teamCountLoader(ctx: Pick<WorkspaceContext, "db">): DataLoader<string, number> {
  return new DataLoader(async (workspaceIds: readonly string[]) => {
    const groups = await ctx.db.team.groupBy({
      by: ["workspaceId"],
      where: { workspaceId: { in: [...workspaceIds] } },
      _count: { _all: true },
    });
    return workspaceIds.map((id) => groups.find((g) => g.workspaceId === id)?._count._all ?? 0);
  });
}
