import type { AuditContext } from "../context.js";
import { verifyChain, writeCheckpoint, type SignedCheckpoint } from "../db/checkpoints.js";
import { requireLogAccess } from "./access.js";

const checkpointView = (checkpoint: SignedCheckpoint | null) =>
  checkpoint && {
    position: checkpoint.position,
    entryHash: checkpoint.entryHash,
    signedAt: checkpoint.signedAt.toISOString(),
    signatureValid: checkpoint.signatureValid,
  };

/** The workspace's chain recomputed and held against its latest signed checkpoint (docs/adr/0008). */
export async function verifyActivityLog(args: { workspaceId: string }, ctx: AuditContext) {
  await requireLogAccess(ctx, args.workspaceId, "activity_log:view");
  const result = await verifyChain(ctx.db, ctx.signer, args.workspaceId);
  return { ...result, checkpoint: checkpointView(result.checkpoint) };
}

/** A checkpoint of the chain's head now, besides the periodic ones. */
export async function checkpointActivityLog(args: { workspaceId: string }, ctx: AuditContext) {
  await requireLogAccess(ctx, args.workspaceId, "activity_log:view");
  return checkpointView(await writeCheckpoint(ctx.db, ctx.signer, args.workspaceId));
}
