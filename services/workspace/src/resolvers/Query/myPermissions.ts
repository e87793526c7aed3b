import { authorize } from "@support/permissions";
import type { QueryResolvers } from "../../generated/graphql.js";

/**
 * The caller's effective permissions in a workspace (the request's loader: one read for a page of
 * them), copied: the list itself is shared by every standing like the caller's (@support/permissions).
 */
export const myPermissions: QueryResolvers["myPermissions"] = async (_, args, ctx) => [
  ...(await authorize(ctx, args.workspaceId)).permissions,
];
