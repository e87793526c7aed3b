import { authorize } from "@support/permissions";
import { joinRequestsPage } from "../../db/join-requests.js";
import type { QueryResolvers } from "../../generated/graphql.js";

/** A page of a workspace's join requests, newest first, of one status or all (members:invite). */
export const joinRequests: QueryResolvers["joinRequests"] = async (_, args, ctx) => {
  await authorize(ctx, args.workspaceId, "members:invite");
  return joinRequestsPage(ctx.db, args.workspaceId, args.status, args);
};
