import { apiKeys } from "./Query/apiKeys.js";
import { explainPermission } from "./Query/explainPermission.js";
import { joinRequests } from "./Query/joinRequests.js";
import { myPermissions } from "./Query/myPermissions.js";
import { permissionCatalogue } from "./Query/permissionCatalogue.js";
import { workspace } from "./Query/workspace.js";
import { workspaceDeletion } from "./Query/workspaceDeletion.js";
import { workspaces } from "./Query/workspaces.js";
import { approveJoinRequest } from "./Mutation/approveJoinRequest.js";
import { createApiKey } from "./Mutation/createApiKey.js";
import { createRole } from "./Mutation/createRole.js";
import { createTeam } from "./Mutation/createTeam.js";
import { createWorkspace } from "./Mutation/createWorkspace.js";
import { deleteRole } from "./Mutation/deleteRole.js";
import { deleteTeam } from "./Mutation/deleteTeam.js";
import { deleteWorkspace } from "./Mutation/deleteWorkspace.js";
import { exportWorkspaceData } from "./Mutation/exportWorkspaceData.js";
import { rejectJoinRequest } from "./Mutation/rejectJoinRequest.js";
import { removeMember } from "./Mutation/removeMember.js";
import { renewWorkspaceDataExportLink } from "./Mutation/renewWorkspaceDataExportLink.js";
import { requestToJoin } from "./Mutation/requestToJoin.js";
import { revokeApiKey } from "./Mutation/revokeApiKey.js";
import { rotateApiKey } from "./Mutation/rotateApiKey.js";
import { setMemberPermissions } from "./Mutation/setMemberPermissions.js";
import { setMemberRole } from "./Mutation/setMemberRole.js";
import { transferOwnership } from "./Mutation/transferOwnership.js";
import { updateRole } from "./Mutation/updateRole.js";
import { updateTeam } from "./Mutation/updateTeam.js";
import { updateWorkspace } from "./Mutation/updateWorkspace.js";
import { updateWorkspaceSettings } from "./Mutation/updateWorkspaceSettings.js";
import { ApiKey } from "./ApiKey.js";
import { JoinRequest } from "./JoinRequest.js";
import { Role } from "./Role.js";
import { Team } from "./Team.js";
import { User } from "./User.js";
import { Workspace } from "./Workspace.js";
import { WorkspaceMember } from "./WorkspaceMember.js";
import type { Resolvers } from "../generated/graphql.js";

/** The subgraph's resolver map: one module per root field (Query/, Mutation/), one per type. */
export const resolvers: Resolvers = {
  Query: {
    apiKeys,
    explainPermission,
    joinRequests,
    myPermissions,
    permissionCatalogue,
    workspace,
    workspaceDeletion,
    workspaces,
  },
  Mutation: {
    approveJoinRequest,
    createApiKey,
    createRole,
    createTeam,
    createWorkspace,
    deleteRole,
    deleteTeam,
    deleteWorkspace,
    exportWorkspaceData,
    rejectJoinRequest,
    removeMember,
    renewWorkspaceDataExportLink,
    requestToJoin,
    revokeApiKey,
    rotateApiKey,
    setMemberPermissions,
    setMemberRole,
    transferOwnership,
    updateRole,
    updateTeam,
    updateWorkspace,
    updateWorkspaceSettings,
  },
  ApiKey,
  JoinRequest,
  Role,
  Team,
  User,
  Workspace,
  WorkspaceMember,
};
