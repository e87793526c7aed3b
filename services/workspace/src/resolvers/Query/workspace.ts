import { authorize } from "@support/permissions";
import type { QueryResolvers } from "../../generated/graphql.js";

/** A workspace of the caller's organisation they may see; NOT_FOUND for any other. */
export const workspace: QueryResolvers["workspace"] = async (_, args, ctx) => (await authorize(ctx, args.id)).workspace;
