import { notFound } from "@support/errors";
import { isUuid } from "@support/validation";
import { requireUser } from "../../authorization.js";
import { findDeletion } from "../../db/workspaces.js";
import { deletionView } from "../../domain/deletion.js";
import type { QueryResolvers } from "../../generated/graphql.js";

/** Which services have purged a deleted workspace: for whoever deleted it and the organisation's admins. */
export const workspaceDeletion: QueryResolvers["workspaceDeletion"] = async (_, args, ctx) => {
  const actor = requireUser(ctx.actor, "read deletions");
  if (!isUuid(args.workspaceId)) throw notFound("WorkspaceDeletion");
  const deletion = await findDeletion(ctx.db, args.workspaceId);
  const allowed =
    deletion &&
    deletion.organisationId === actor.organisationId &&
    (deletion.requestedBy === actor.userId || actor.orgRole === "ORG_ADMIN");
  if (!allowed) throw notFound("WorkspaceDeletion");
  return deletionView(deletion);
};
