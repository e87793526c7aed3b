import { conflict } from "@support/errors";
import { authorizeLog } from "../../authorization.js";
import { CheckpointRefused, writeCheckpoint } from "../../db/checkpoints.js";
import type { MutationResolvers } from "../../generated/graphql.js";

/**
 * A checkpoint of the chain's head now, besides the periodic ones; needs activity_log:checkpoint
 * (owners and admins). Refused (CONFLICT, logged at error) when the chain is behind or no longer
 * holds its newest signed checkpoint.
 */
export const checkpointActivityLog: MutationResolvers["checkpointActivityLog"] = async (_, args, ctx) => {
  await authorizeLog(ctx, args.workspaceId, "activity_log:checkpoint");
  try {
    return await writeCheckpoint(ctx.db, ctx.signer, args.workspaceId);
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
};
