import { getWorkspace } from "../db/workspaces.js";
import type { JoinRequestResolvers } from "../generated/graphql.js";

export const JoinRequest: JoinRequestResolvers = {
  workspace: (request, _, ctx) => getWorkspace(ctx.db, request.workspaceId),
  user: (request) => ({ __typename: "User", id: request.userId }),
  decidedBy: (request) => (request.decidedBy ? { __typename: "User", id: request.decidedBy } : null),
};
