import { randomUUID } from "node:crypto";
import { z } from "zod";
import { invalidInput, rateLimited, unauthenticated } from "@support/errors";
import type { Actor } from "@support/actor-context";
import type { AuditContext } from "../context.js";
import { activityFilter } from "./activity-log.js";
import { requireLogAccess } from "./access.js";

/** SPEC section 6: at most one export per 60 seconds per workspace. */
export const EXPORT_INTERVAL_SECONDS = 60;

const args = z.object({ workspaceId: z.string(), filter: activityFilter });

/** Who may fetch a download: the user or API key that asked for it. */
export function requesterOf(actor: Actor): string | null {
  if (actor.kind === "user") return actor.userId;
  if (actor.kind === "apiKey") return actor.apiKeyId;
  return null;
}

/** `<export id>.<key id>.<signature>`: names the export and proves the audit service issued the link. */
export function downloadToken(ctx: AuditContext, id: string, requestedBy: string, expiresAt: Date): string {
  const keyId = ctx.signer.currentKeyId;
  return `${id}.${keyId}.${ctx.signer.sign("download", { id, requestedBy, expiresAt: expiresAt.toISOString() }, keyId)}`;
}

/**
 * Starts a CSV export (docs/adr/0009). The allowance row makes the 60-second rule atomic: of
 * twenty simultaneous requests one updates it, the others find it fresh and get RATE_LIMITED.
 * Nothing is produced here: the link streams the CSV from the database when it is fetched.
 */
export async function exportActivityLog(rawArgs: unknown, ctx: AuditContext) {
  const parsed = args.safeParse(rawArgs);
  if (!parsed.success) throw invalidInput(parsed.error.issues);
  const { workspaceId, filter } = parsed.data;
  await requireLogAccess(ctx, workspaceId, "activity_log:export");
  const requestedBy = requesterOf(ctx.actor);
  if (!requestedBy) throw unauthenticated();

  const id = randomUUID();
  const { granted, lastRequestedAt } = await ctx.db.$transaction(async (tx) => {
    const won = await tx.$queryRaw<Array<{ last_requested_at: Date }>>`
      INSERT INTO export_allowance (workspace_id, last_requested_at) VALUES (${workspaceId}::uuid, now())
      ON CONFLICT (workspace_id) DO UPDATE SET last_requested_at = now()
        WHERE export_allowance.last_requested_at <= now() - make_interval(secs => ${EXPORT_INTERVAL_SECONDS})
      RETURNING last_requested_at`;
    if (won[0]) {
      await tx.activityExport.create({
        data: {
          id,
          workspaceId,
          requestedBy,
          filter: filter ?? {},
          expiresAt: new Date(won[0].last_requested_at.getTime() + ctx.exportLinkTtlSeconds * 1000),
        },
      });
      return { granted: true, lastRequestedAt: won[0].last_requested_at };
    }
    const current = await tx.exportAllowance.findUniqueOrThrow({ where: { workspaceId } });
    return { granted: false, lastRequestedAt: current.lastRequestedAt };
  });
  const nextAllowedAt = new Date(lastRequestedAt.getTime() + EXPORT_INTERVAL_SECONDS * 1000);
  if (!granted) {
    throw rateLimited(
      Math.max(1, Math.ceil((nextAllowedAt.getTime() - Date.now()) / 1000)),
      "This workspace's activity log was exported less than 60 seconds ago",
    );
  }
  const row = await ctx.db.activityExport.findUniqueOrThrow({ where: { id } });
  return {
    url: `${ctx.downloadBaseUrl}/downloads/audit/${downloadToken(ctx, id, requestedBy, row.expiresAt)}`,
    expiresAt: row.expiresAt.toISOString(),
    nextAllowedAt: nextAllowedAt.toISOString(),
  };
}
