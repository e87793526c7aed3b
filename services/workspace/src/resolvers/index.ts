import { notFound, unauthenticated } from "@support/errors";
import type { WorkspaceContext } from "../context.js";
import { API_KEY_SCHEME } from "../domain/api-keys.js";
import { togglesOf } from "../domain/settings.js";
import { seatUse } from "../db/memberships.js";
import { authorize, loadAccess } from "./access.js";
import { createWorkspace, listWorkspaces, updateWorkspace } from "./workspaces.js";
import { updateWorkspaceSettings } from "./settings.js";
import { createRole, customRoleView, deleteRole, listRoles, roleMembers, updateRole } from "./roles.js";
import { listMembers, removeMember, setMemberPermissions, setMemberRole, transferOwnership } from "./members.js";
import { approveJoinRequest, listJoinRequests, rejectJoinRequest, requestToJoin } from "./join-requests.js";
import { createTeam, deleteTeam, listTeams, teamMembers, updateTeam } from "./teams.js";
import { createApiKey, listApiKeys, revokeApiKey, rotateApiKey } from "./api-keys.js";
import { explainPermission, myPermissions, permissionCatalogue } from "./permissions.js";
import { deleteWorkspace, workspaceDeletion } from "./deletion.js";
import { exportWorkspaceData, renewWorkspaceDataExportLink } from "./data-export.js";
import type { Resolvers } from "../generated/graphql.js";

type Ctx = WorkspaceContext;

function requireSignedIn(ctx: Ctx): void {
  if (ctx.actor.kind === "anonymous") throw unauthenticated();
}

export const resolvers: Resolvers = {
  Query: {
    workspaceDeletion: (_, args, ctx) => workspaceDeletion(args, ctx),
    workspace: async (_, args, ctx) => (await loadAccess(ctx.db, ctx.actor, args.id)).workspace,
    workspaces: (_, args, ctx) => listWorkspaces(args, ctx),
    myPermissions: (_, args, ctx) => myPermissions(args.workspaceId, ctx),
    explainPermission: (_, args, ctx) => explainPermission(args, ctx),
    joinRequests: (_, args, ctx) => listJoinRequests(args, ctx),
    apiKeys: (_, args, ctx) => listApiKeys(args, ctx),
    permissionCatalogue: (_, __, ctx) => {
      requireSignedIn(ctx);
      return [...permissionCatalogue()];
    },
  },
  Mutation: {
    exportWorkspaceData: (_, args, ctx) => exportWorkspaceData(args, ctx),
    renewWorkspaceDataExportLink: (_, args, ctx) => renewWorkspaceDataExportLink(args, ctx),
    deleteWorkspace: (_, args, ctx) => deleteWorkspace(args, ctx),
    createWorkspace: (_, args, ctx) => createWorkspace(args, ctx),
    updateWorkspace: (_, args, ctx) => updateWorkspace(args, ctx),
    updateWorkspaceSettings: (_, args, ctx) => updateWorkspaceSettings(args, ctx),
    createRole: (_, args, ctx) => createRole(args, ctx),
    updateRole: (_, args, ctx) => updateRole(args, ctx),
    deleteRole: (_, args, ctx) => deleteRole(args, ctx),
    setMemberRole: (_, args, ctx) => setMemberRole(args, ctx),
    removeMember: (_, args, ctx) => removeMember(args, ctx),
    setMemberPermissions: (_, args, ctx) => setMemberPermissions(args, ctx),
    transferOwnership: (_, args, ctx) => transferOwnership(args, ctx),
    requestToJoin: (_, args, ctx) => requestToJoin(args, ctx),
    approveJoinRequest: (_, args, ctx) => approveJoinRequest(args, ctx),
    rejectJoinRequest: (_, args, ctx) => rejectJoinRequest(args, ctx),
    createTeam: (_, args, ctx) => createTeam(args, ctx),
    updateTeam: (_, args, ctx) => updateTeam(args, ctx),
    deleteTeam: (_, args, ctx) => deleteTeam(args, ctx),
    createApiKey: (_, args, ctx) => createApiKey(args, ctx),
    revokeApiKey: (_, args, ctx) => revokeApiKey(args, ctx),
    rotateApiKey: (_, args, ctx) => rotateApiKey(args, ctx),
  },
  Workspace: {
    // Batched: a page of Workspace references costs one access read, not one per reference.
    __resolveReference: async (ref, ctx) => {
      const access = await ctx.accesses.load(ref.id);
      if (!access) throw notFound("Workspace");
      return access.workspace;
    },
    myRole: async (workspace, _, ctx) => {
      if (ctx.actor.kind !== "user") return null;
      const membership = await ctx.db.membership.findUnique({
        where: { workspaceId_userId: { workspaceId: workspace.id, userId: ctx.actor.userId } },
      });
      return membership?.role ?? null;
    },
    myPermissions: (workspace, _, ctx) => myPermissions(workspace.id, ctx),
    members: (workspace, args, ctx) => listMembers(workspace.id, args, ctx),
    roles: (workspace, args, ctx) => listRoles(workspace.id, args, ctx),
    teams: (workspace, args, ctx) => listTeams(workspace.id, args, ctx),
    settings: async (workspace, _, ctx) => {
      const access = await authorize(ctx.db, ctx.actor, workspace.id, "workspace_settings:view");
      return togglesOf(access.workspace);
    },
    memberCount: async (workspace, _, ctx) => (await seatUse(ctx.db, workspace)).members,
    pendingInvitations: async (workspace, _, ctx) => (await seatUse(ctx.db, workspace)).pendingInvitations,
  },
  WorkspaceMember: {
    user: (m) => ({ __typename: "User", id: m.userId }),
    customRole: async (m, _, ctx) => {
      if (!m.customRoleId) return null;
      if (m.customRole !== undefined) return m.customRole ? customRoleView(m.customRole) : null;
      const role = await ctx.db.customRole.findUnique({ where: { id: m.customRoleId } });
      return role ? customRoleView(role) : null;
    },
    overrides: (m) => ({ granted: m.granted, denied: m.denied }),
    joinedAt: (m) => m.createdAt,
  },
  Role: {
    members: (role, args, ctx) => roleMembers(role, args, ctx),
  },
  Team: {
    __resolveReference: async (ref, ctx) => {
      const team = await ctx.teams.load(ref.id);
      if (!team) throw notFound("Team");
      return team;
    },
    members: (team, args) => teamMembers(team, args),
  },
  JoinRequest: {
    workspace: (request, _, ctx) => ctx.db.workspace.findUniqueOrThrow({ where: { id: request.workspaceId } }),
    user: (request) => ({ __typename: "User", id: request.userId }),
    decidedBy: (request) => (request.decidedBy ? { __typename: "User", id: request.decidedBy } : null),
  },
  ApiKey: {
    prefix: (key) => `${API_KEY_SCHEME}${key.prefix}`,
    createdBy: (key) => ({ __typename: "User", id: key.createdBy }),
    revoked: (key) => key.revokedAt !== null,
  },
  User: {
    __resolveReference: (ref) => ref,
    workspaceCount: (user, _, ctx) => ctx.workspaceCounts.load(user),
  },
};
