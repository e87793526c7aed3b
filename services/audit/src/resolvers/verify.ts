import { conflict } from "@support/errors";
import type { AuditContext } from "../context.js";
import { CheckpointRefused, verifyChain, writeCheckpoint, type SignedCheckpoint } from "../db/checkpoints.js";
import { requireLogAccess } from "./access.js";
import type { MutationCheckpointActivityLogArgs, QueryVerifyActivityLogArgs } from "../generated/graphql.js";

const checkpointView = (checkpoint: SignedCheckpoint | null) =>
  checkpoint && {
    position: checkpoint.position,
    entryHash: checkpoint.entryHash,
    signedAt: checkpoint.signedAt.toISOString(),
    signatureValid: checkpoint.signatureValid,
  };

/**
 * The workspace's chain recomputed and held against every signed checkpoint (docs/adr/0008):
 * incrementally from the newest checkpoint an earlier verification found intact, or from the
 * first entry with `full`. Rate-limited per workspace across every instance.
 */
export async function verifyActivityLog(args: QueryVerifyActivityLogArgs, ctx: AuditContext) {
  await requireLogAccess(ctx, args.workspaceId, "activity_log:view");
  const full = args.full === true;
  await ctx.verifyThrottle.take(args.workspaceId, full);
  const result = await verifyChain(ctx.db, ctx.signer, ctx.chainKeys, args.workspaceId, { full });
  if (!result.valid)
    ctx.logger.error(
      {
        chainKey: args.workspaceId,
        firstBrokenEntry: result.firstBrokenEntry,
        truncated: result.truncated,
        rewritten: result.rewritten,
        forgedCheckpoints: result.forgedCheckpoints,
        checkpointChainBroken: result.checkpointChainBroken,
      },
      "audit chain verification failed",
    );
  return { ...result, checkpoint: checkpointView(result.checkpoint) };
}

/**
 * A checkpoint of the chain's head now, besides the periodic ones; needs activity_log:checkpoint
 * (owners and admins). Refused (CONFLICT, logged at error) when the chain is behind or no longer
 * holds its newest signed checkpoint.
 */
export async function checkpointActivityLog(args: MutationCheckpointActivityLogArgs, ctx: AuditContext) {
  await requireLogAccess(ctx, args.workspaceId, "activity_log:checkpoint");
  try {
    return checkpointView(await writeCheckpoint(ctx.db, ctx.signer, args.workspaceId));
  } catch (error) {
    if (!(error instanceof CheckpointRefused)) throw error;
    ctx.logger.error(
      {
        chainKey: error.chainKey,
        reason: error.reason,
        checkpointPosition: error.checkpointPosition,
        headPosition: error.headPosition,
      },
      "audit chain tampered with: checkpoint refused",
    );
    throw conflict(
      error.reason === "truncated"
        ? `The log ends at position ${error.headPosition}, before its signed checkpoint at position ${error.checkpointPosition}: entries were removed. Not signed.`
        : `The log holds another entry at its signed checkpoint's position ${error.checkpointPosition}: it was rewritten. Not signed.`,
    );
  }
}
