import { notFound, unauthenticated } from "@support/errors";
import type { PagingArguments } from "@support/validation";
import type { ApiKey, CustomRole, JoinRequest, Membership, Workspace } from "../db/generated/client.js";
import type { WorkspaceContext } from "../context.js";
import { API_KEY_SCHEME } from "../domain/api-keys.js";
import { togglesOf } from "../domain/settings.js";
import { seatUse } from "../db/memberships.js";
import { authorize, loadAccess } from "./access.js";
import type { CountedUser } from "./users.js";
import { createWorkspace, listWorkspaces, updateWorkspace } from "./workspaces.js";
import { updateWorkspaceSettings } from "./settings.js";
import { createRole, customRoleView, deleteRole, listRoles, roleMembers, updateRole, type RoleView } from "./roles.js";
import { listMembers, removeMember, setMemberPermissions, setMemberRole, transferOwnership } from "./members.js";
import { approveJoinRequest, listJoinRequests, rejectJoinRequest, requestToJoin } from "./join-requests.js";
import { createTeam, deleteTeam, listTeams, teamMembers, updateTeam, type TeamView } from "./teams.js";
import { createApiKey, listApiKeys, revokeApiKey, rotateApiKey } from "./api-keys.js";
import { explainPermission, myPermissions, permissionCatalogue } from "./permissions.js";
import { deleteWorkspace, workspaceDeletion } from "./deletion.js";
import { exportWorkspaceData, renewWorkspaceDataExportLink } from "./data-export.js";

type Ctx = WorkspaceContext;

function requireSignedIn(ctx: Ctx): void {
  if (ctx.actor.kind === "anonymous") throw unauthenticated();
}

export const resolvers = {
  Query: {
    workspaceDeletion: (_: unknown, args: { workspaceId: string }, ctx: Ctx) => workspaceDeletion(args, ctx),
    workspace: async (_: unknown, args: { id: string }, ctx: Ctx) =>
      (await loadAccess(ctx.db, ctx.actor, args.id)).workspace,
    workspaces: (_: unknown, args: PagingArguments, ctx: Ctx) => listWorkspaces(args, ctx),
    myPermissions: (_: unknown, args: { workspaceId: string }, ctx: Ctx) => myPermissions(args.workspaceId, ctx),
    explainPermission: (_: unknown, args: { workspaceId: string; userId: string; permission: string }, ctx: Ctx) =>
      explainPermission(args, ctx),
    joinRequests: (_: unknown, args: Parameters<typeof listJoinRequests>[0], ctx: Ctx) => listJoinRequests(args, ctx),
    apiKeys: (_: unknown, args: Parameters<typeof listApiKeys>[0], ctx: Ctx) => listApiKeys(args, ctx),
    permissionCatalogue: (_: unknown, __: unknown, ctx: Ctx) => {
      requireSignedIn(ctx);
      return permissionCatalogue();
    },
  },
  Mutation: {
    exportWorkspaceData: (_: unknown, args: { id: string }, ctx: Ctx) => exportWorkspaceData(args, ctx),
    renewWorkspaceDataExportLink: (_: unknown, args: { id: string }, ctx: Ctx) =>
      renewWorkspaceDataExportLink(args, ctx),
    deleteWorkspace: (_: unknown, args: { id: string; confirmName: unknown }, ctx: Ctx) => deleteWorkspace(args, ctx),
    createWorkspace: (_: unknown, args: { input: unknown }, ctx: Ctx) => createWorkspace(args, ctx),
    updateWorkspace: (_: unknown, args: { id: string; input: unknown }, ctx: Ctx) => updateWorkspace(args, ctx),
    updateWorkspaceSettings: (_: unknown, args: { id: string; input: unknown }, ctx: Ctx) =>
      updateWorkspaceSettings(args, ctx),
    createRole: (_: unknown, args: { workspaceId: string; input: unknown }, ctx: Ctx) => createRole(args, ctx),
    updateRole: (_: unknown, args: { id: string; input: unknown }, ctx: Ctx) => updateRole(args, ctx),
    deleteRole: (_: unknown, args: { id: string }, ctx: Ctx) => deleteRole(args, ctx),
    setMemberRole: (_: unknown, args: Parameters<typeof setMemberRole>[0], ctx: Ctx) => setMemberRole(args, ctx),
    removeMember: (_: unknown, args: { workspaceId: string; userId: string }, ctx: Ctx) => removeMember(args, ctx),
    setMemberPermissions: (_: unknown, args: Parameters<typeof setMemberPermissions>[0], ctx: Ctx) =>
      setMemberPermissions(args, ctx),
    transferOwnership: (_: unknown, args: { workspaceId: string; userId: string }, ctx: Ctx) =>
      transferOwnership(args, ctx),
    requestToJoin: (_: unknown, args: { workspaceId: string; message?: string | null }, ctx: Ctx) =>
      requestToJoin(args, ctx),
    approveJoinRequest: (_: unknown, args: Parameters<typeof approveJoinRequest>[0], ctx: Ctx) =>
      approveJoinRequest(args, ctx),
    rejectJoinRequest: (_: unknown, args: { id: string }, ctx: Ctx) => rejectJoinRequest(args, ctx),
    createTeam: (_: unknown, args: { workspaceId: string; input: unknown }, ctx: Ctx) => createTeam(args, ctx),
    updateTeam: (_: unknown, args: { id: string; input: unknown }, ctx: Ctx) => updateTeam(args, ctx),
    deleteTeam: (_: unknown, args: { id: string }, ctx: Ctx) => deleteTeam(args, ctx),
    createApiKey: (_: unknown, args: { workspaceId: string; name: string; permissions: string[] }, ctx: Ctx) =>
      createApiKey(args, ctx),
    revokeApiKey: (_: unknown, args: { id: string }, ctx: Ctx) => revokeApiKey(args, ctx),
    rotateApiKey: (_: unknown, args: { id: string }, ctx: Ctx) => rotateApiKey(args, ctx),
  },
  Workspace: {
    // Batched: a page of Workspace references costs one access read, not one per reference.
    __resolveReference: async (ref: { id: string }, ctx: Ctx) => {
      const access = await ctx.accesses.load(ref.id);
      if (!access) throw notFound("Workspace");
      return access.workspace;
    },
    myRole: async (workspace: Workspace, _: unknown, ctx: Ctx) => {
      if (ctx.actor.kind !== "user") return null;
      const membership = await ctx.db.membership.findUnique({
        where: { workspaceId_userId: { workspaceId: workspace.id, userId: ctx.actor.userId } },
      });
      return membership?.role ?? null;
    },
    myPermissions: (workspace: Workspace, _: unknown, ctx: Ctx) => myPermissions(workspace.id, ctx),
    members: (workspace: Workspace, args: PagingArguments, ctx: Ctx) => listMembers(workspace.id, args, ctx),
    roles: (workspace: Workspace, args: PagingArguments, ctx: Ctx) => listRoles(workspace.id, args, ctx),
    teams: (workspace: Workspace, args: PagingArguments, ctx: Ctx) => listTeams(workspace.id, args, ctx),
    settings: async (workspace: Workspace, _: unknown, ctx: Ctx) => {
      const access = await authorize(ctx.db, ctx.actor, workspace.id, "workspace_settings:view");
      return togglesOf(access.workspace);
    },
    memberCount: async (workspace: Workspace, _: unknown, ctx: Ctx) => (await seatUse(ctx.db, workspace)).members,
    pendingInvitations: async (workspace: Workspace, _: unknown, ctx: Ctx) =>
      (await seatUse(ctx.db, workspace)).pendingInvitations,
  },
  WorkspaceMember: {
    user: (m: Membership) => ({ __typename: "User", id: m.userId }),
    customRole: async (m: Membership & { customRole?: CustomRole | null }, _: unknown, ctx: Ctx) => {
      if (!m.customRoleId) return null;
      if (m.customRole !== undefined) return m.customRole ? customRoleView(m.customRole) : null;
      const role = await ctx.db.customRole.findUnique({ where: { id: m.customRoleId } });
      return role ? customRoleView(role) : null;
    },
    overrides: (m: Membership) => ({ granted: m.granted, denied: m.denied }),
    joinedAt: (m: Membership) => m.createdAt,
  },
  Role: {
    members: (role: RoleView, args: PagingArguments, ctx: Ctx) => roleMembers(role, args, ctx),
  },
  Team: {
    __resolveReference: async (ref: { id: string }, ctx: Ctx) => {
      const team = await ctx.teams.load(ref.id);
      if (!team) throw notFound("Team");
      return team;
    },
    members: (team: TeamView, args: PagingArguments) => teamMembers(team, args),
  },
  JoinRequest: {
    workspace: (request: JoinRequest, _: unknown, ctx: Ctx) =>
      ctx.db.workspace.findUniqueOrThrow({ where: { id: request.workspaceId } }),
    user: (request: JoinRequest) => ({ __typename: "User", id: request.userId }),
    decidedBy: (request: JoinRequest) => (request.decidedBy ? { __typename: "User", id: request.decidedBy } : null),
  },
  ApiKey: {
    prefix: (key: ApiKey) => `${API_KEY_SCHEME}${key.prefix}`,
    createdBy: (key: ApiKey) => ({ __typename: "User", id: key.createdBy }),
    revoked: (key: ApiKey) => key.revokedAt !== null,
  },
  User: {
    __resolveReference: (ref: CountedUser) => ref,
    workspaceCount: (user: CountedUser, _: unknown, ctx: Ctx) => ctx.workspaceCounts.load(user),
  },
};
