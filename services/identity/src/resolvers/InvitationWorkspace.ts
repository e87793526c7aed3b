import type { InvitationWorkspaceResolvers } from "../generated/graphql.js";

export const InvitationWorkspace: InvitationWorkspaceResolvers = {
  /** The workspace service's entity, resolved there. */
  workspace: (workspace) => ({ __typename: "Workspace", id: workspace.workspaceId }),
};
