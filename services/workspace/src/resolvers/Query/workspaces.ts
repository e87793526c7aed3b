import { unauthenticated } from "@support/errors";
import { mapEdge } from "@support/validation";
import { accessOf } from "../../authorization.js";
import { workspaceStandingsPage, type WorkspaceVisibility } from "../../db/workspaces.js";
import type { QueryResolvers } from "../../generated/graphql.js";

/**
 * The caller's workspaces by name (all of the organisation's for org admins; an API key's own),
 * read with the caller's standing in each: the page's `myPermissions` (and any field's
 * `authorize`) need no second statement.
 */
export const workspaces: QueryResolvers["workspaces"] = async (_, args, ctx) => {
  const { actor } = ctx;
  let visible: WorkspaceVisibility;
  switch (actor.kind) {
    case "anonymous":
      throw unauthenticated();
    case "apiKey":
      visible = { workspaceId: actor.workspaceId };
      break;
    case "user":
      visible = {
        organisationId: actor.organisationId,
        memberId: actor.orgRole === "ORG_ADMIN" ? null : actor.userId,
      };
  }
  const page = await workspaceStandingsPage(ctx.sql, visible, actor.kind === "user" ? actor.userId : null, args);
  for (const standing of page.nodes) {
    const access = accessOf(actor, standing);
    if (access) ctx.workspaces.remember(access);
  }
  return {
    ...page,
    nodes: page.nodes.map((standing) => standing.workspace),
    edges: page.edges.map((edge) => mapEdge(edge, edge.node.workspace)),
  };
};
