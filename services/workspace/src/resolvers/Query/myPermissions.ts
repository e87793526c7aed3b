import { authorize } from "@support/permissions";
import type { QueryResolvers } from "../../generated/graphql.js";

/** The caller's effective permissions in a workspace (the request's loader: one read for a page of them). */
export const myPermissions: QueryResolvers["myPermissions"] = async (_, args, ctx) =>
  (await authorize(ctx, args.workspaceId)).permissions;
