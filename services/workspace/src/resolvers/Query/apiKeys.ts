import { authorize } from "@support/permissions";
import { requireUser } from "../../authorization.js";
import { apiKeysPage } from "../../db/api-keys.js";
import type { QueryResolvers } from "../../generated/graphql.js";

/** A page of the workspace's API keys, newest first, revoked ones included (owner only; never a key). */
export const apiKeys: QueryResolvers["apiKeys"] = async (_, args, ctx) => {
  const actor = requireUser(ctx.actor, "list API keys");
  await authorize({ actor, workspaces: ctx.workspaces }, args.workspaceId, "api_keys:list");
  return apiKeysPage(ctx.db, args.workspaceId, args);
};
