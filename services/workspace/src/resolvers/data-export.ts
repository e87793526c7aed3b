import { randomUUID } from "node:crypto";
import { rateLimited } from "@support/errors";
import type { Actor } from "@support/actor-context";
import type { WorkspaceContext } from "../context.js";
import { authorize } from "./access.js";

/** SPEC section 7: at most one workspace-data export per 60 seconds per workspace. */
export const EXPORT_INTERVAL_SECONDS = 60;
export const EXPORT_LINK_TTL_SECONDS = 300;

/** Who may fetch a download: the user or API key that asked for it. */
export function requesterOf(actor: Actor): string | null {
  if (actor.kind === "user") return actor.userId;
  if (actor.kind === "apiKey") return actor.apiKeyId;
  return null;
}

export const downloadClaims = (row: { id: string; requestedBy: string; expiresAt: Date }) => ({
  id: row.id,
  requestedBy: row.requestedBy,
  expiresAt: row.expiresAt.toISOString(),
});

/**
 * `exportWorkspaceData(workspaceId)` (SPEC section 7, docs/adr/0009): `workspace_data:export`
 * (the owner; members while membersCanExportData is on). One per 60 s per workspace, decided by
 * one atomic upsert; returns a single-use link for the requester on the gateway, which streams the
 * zip when fetched.
 */
export async function exportWorkspaceData(args: { workspaceId: string }, ctx: WorkspaceContext) {
  const access = await authorize(ctx.db, ctx.actor, args.workspaceId, "workspace_data:export");
  const requestedBy = requesterOf(ctx.actor)!;
  const workspaceId = access.workspace.id;
  const id = randomUUID();
  const outcome = await ctx.db.$transaction(async (tx) => {
    const [won] = await tx.$queryRaw<Array<{ last_requested_at: Date }>>`
      INSERT INTO export_allowance (workspace_id, last_requested_at) VALUES (${workspaceId}::uuid, now())
      ON CONFLICT (workspace_id) DO UPDATE SET last_requested_at = now()
        WHERE export_allowance.last_requested_at <= now() - make_interval(secs => ${EXPORT_INTERVAL_SECONDS})
      RETURNING last_requested_at`;
    if (!won) {
      const current = await tx.exportAllowance.findUniqueOrThrow({ where: { workspaceId } });
      return { row: null, lastRequestedAt: current.lastRequestedAt };
    }
    const row = await tx.workspaceExport.create({
      data: {
        id,
        workspaceId,
        requestedBy,
        expiresAt: new Date(won.last_requested_at.getTime() + EXPORT_LINK_TTL_SECONDS * 1000),
      },
    });
    return { row, lastRequestedAt: won.last_requested_at };
  });
  const nextAllowedAt = new Date(outcome.lastRequestedAt.getTime() + EXPORT_INTERVAL_SECONDS * 1000);
  if (!outcome.row)
    throw rateLimited(
      Math.max(1, Math.ceil((nextAllowedAt.getTime() - Date.now()) / 1000)),
      "This workspace's data was exported less than 60 seconds ago",
    );
  const keyId = ctx.signer.currentKeyId;
  const token = `${id}.${keyId}.${ctx.signer.sign("download", downloadClaims(outcome.row), keyId)}`;
  return {
    url: `${ctx.downloadBaseUrl}/downloads/workspace/${token}`,
    expiresAt: outcome.row.expiresAt.toISOString(),
    nextAllowedAt: nextAllowedAt.toISOString(),
  };
}
