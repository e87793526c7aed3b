import { authorizeLog } from "../../authorization.js";
import { verifyChain } from "../../db/checkpoints.js";
import type { QueryResolvers } from "../../generated/graphql.js";

/**
 * The workspace's chain recomputed and held against every signed checkpoint (docs/adr/0008):
 * incrementally from the newest checkpoint an earlier verification found intact, or from the
 * first entry with `full`. Rate-limited per workspace across every instance.
 */
export const verifyActivityLog: QueryResolvers["verifyActivityLog"] = async (_, args, ctx) => {
  await authorizeLog(ctx, args.workspaceId, "activity_log:view");
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
  return result;
};
