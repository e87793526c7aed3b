import DataLoader from "dataloader";
import { forbidden, isAppError, notFound, unauthenticated } from "@support/errors";
import type { Actor, UserActor } from "@support/actor-context";
import {
  authorize,
  type AuthorizationContext,
  type Permission,
  type WorkspaceAccessSource,
} from "@support/permissions";
import type { SqlReader } from "@support/service-kit";
import { isUuid } from "@support/validation";
import { canSeeWorkspace, permissionsOf, type WorkspaceFacts } from "./domain/access.js";
import { togglesOf } from "./domain/settings.js";
import type { Db, Tx } from "./db/client.js";
import type { Workspace } from "./db/generated/client.js";
import { workspaceStandings, type WorkspaceStanding } from "./db/access.js";
import { findApiKey } from "./db/api-keys.js";
import { findTeam, memberIdsOfTeams, teamsByIds, type TeamView } from "./db/teams.js";
import { findCustomRole } from "./db/roles.js";
import { findJoinRequest } from "./db/join-requests.js";

/** The caller's standing in a workspace they may see: its row, their membership, their permissions. */
export interface WorkspaceAccess extends WorkspaceFacts {
  workspace: Workspace;
  permissions: readonly Permission[];
}

/**
 * The actor's standing in several workspaces, computed from the current rows (so a role, override
 * or toggle change applies on the very next request) in one statement whatever their number: the
 * workspaces the actor may see, by id, with the user's active teams there when `withTeams`. The
 * others — of another organisation, not theirs, missing — are simply absent, as NOT_FOUND would be
 * for one.
 */
export async function loadAccessWithTeams(
  reader: SqlReader,
  actor: Actor,
  workspaceIds: readonly string[],
  withTeams: boolean,
): Promise<Map<string, { access: WorkspaceAccess; teamIds: string[] }>> {
  if (actor.kind === "anonymous") throw unauthenticated();
  const standings = await workspaceStandings(
    reader,
    actor.kind === "user" ? actor.userId : null,
    [...new Set(workspaceIds.filter(isUuid))],
    withTeams,
  );
  const accesses = new Map<string, { access: WorkspaceAccess; teamIds: string[] }>();
  for (const standing of standings) {
    const access = accessOf(actor, standing);
    if (access) accesses.set(standing.workspace.id, { access, teamIds: standing.teamIds });
  }
  return accesses;
}

/** The actor's standing in a workspace from its row and their membership; null when they may not see it. */
export function accessOf(actor: Actor, { workspace, membership }: WorkspaceStanding): WorkspaceAccess | null {
  const facts: WorkspaceFacts = { workspace, membership, toggles: togglesOf(workspace), plan: workspace.plan };
  if (!canSeeWorkspace(actor, facts)) return null;
  // Every key in one literal: an object built by a spread and then given a key it lacked outlives
  // young-generation collections on this V8 (docs/adr/0032), and this runs per workspace per request.
  return { workspace, membership, toggles: facts.toggles, plan: facts.plan, permissions: permissionsOf(actor, facts) };
}

/** `loadAccessWithTeams` without the teams: the standing every permission check reads. */
export async function loadAccessMany(
  reader: SqlReader,
  actor: Actor,
  workspaceIds: readonly string[],
): Promise<Map<string, WorkspaceAccess>> {
  const accesses = new Map<string, WorkspaceAccess>();
  for (const [id, { access }] of await loadAccessWithTeams(reader, actor, workspaceIds, false)) {
    accesses.set(id, access);
  }
  return accesses;
}

/** The actor's standing read from `db` (or a transaction) on every call: for `authorize` outside a request's loader. */
export function accessIn(db: Db | Tx, actor: Actor): WorkspaceAccessSource<WorkspaceAccess> {
  return {
    async forWorkspace(workspaceId) {
      const access = (await loadAccessMany(db, actor, [workspaceId])).get(workspaceId);
      if (!access) throw notFound("Workspace");
      return access;
    },
  };
}

/** The request's source of standings, which a page that read them already (`workspaces`) hands on. */
export interface RequestAccess extends WorkspaceAccessSource<WorkspaceAccess> {
  /** A standing read in this request, so that its fields' `authorize` reads it no second time. */
  remember(access: WorkspaceAccess): void;
}

/**
 * Per request (the context's `workspaces`): the actor's standing in each workspace asked about,
 * one `loadAccessMany` per batch, so `workspaces { nodes { myPermissions members } }` checks once
 * for the page (and not at all when the page read the standings with its rows).
 */
export function requestAccess(ctx: { actor: Actor; sql: SqlReader }): RequestAccess {
  const loader = new DataLoader(async (workspaceIds: readonly string[]) => {
    const accesses = await loadAccessMany(ctx.sql, ctx.actor, workspaceIds);
    return workspaceIds.map((id) => accesses.get(id) ?? null);
  });
  return {
    async forWorkspace(workspaceId) {
      const access = await loader.load(workspaceId);
      if (!access) throw notFound("Workspace");
      return access;
    },
    remember(access) {
      loader.prime(access.workspace.id, access);
    },
  };
}

/**
 * The context a mutation authorizes with: the standing read now, from `db` (the request's pool or
 * the mutation's transaction), not the request's loader. A change decided on a cached standing
 * could act on permissions an earlier mutation of the same request removed, and a loader primed
 * before the change would answer the old permissions to the fields of its result.
 */
export const freshAccess = (ctx: { actor: Actor; db: Db | Tx }): AuthorizationContext<WorkspaceAccess> => ({
  actor: ctx.actor,
  workspaces: accessIn(ctx.db, ctx.actor),
});

/**
 * `authorize` for an object of a workspace (a role, team, join request, API key), read by the
 * caller (null when missing): a workspace the caller may not see makes the object itself
 * NOT_FOUND, exactly like a missing one. The standing is read now, as for any mutation.
 */
export async function authorizeObject<Row extends { workspaceId: string }>(
  ctx: { actor: Actor; db: Db },
  object: string,
  row: Row | null,
  ...permissions: Permission[]
): Promise<{ row: Row; access: WorkspaceAccess }> {
  if (!row) throw notFound(object);
  try {
    return { row, access: await authorize(freshAccess(ctx), row.workspaceId, ...permissions) };
  } catch (error) {
    if (isAppError(error) && error.code === "NOT_FOUND") throw notFound(object);
    throw error;
  }
}

/** A custom role by id, NOT_FOUND ("Role") unless the caller may see its workspace. */
export const authorizeRole = async (ctx: { actor: Actor; db: Db }, id: string, permission: Permission) =>
  authorizeObject(ctx, "Role", await findCustomRole(ctx.db, id), permission);

/** A team by id, NOT_FOUND ("Team") unless the caller may see its workspace. */
export const authorizeTeam = async (ctx: { actor: Actor; db: Db }, id: string, permission: Permission) =>
  authorizeObject(ctx, "Team", await findTeam(ctx.db, id), permission);

/** A join request by id, NOT_FOUND ("Join request") unless the caller may see its workspace. */
export const authorizeJoinRequest = async (ctx: { actor: Actor; db: Db }, id: string, permission: Permission) =>
  authorizeObject(ctx, "Join request", await findJoinRequest(ctx.db, id), permission);

/** An API key by id, for its workspace's owner: people only (a key never manages keys), NOT_FOUND unless theirs to see. */
export async function authorizeApiKey(ctx: { actor: Actor; db: Db }, id: string, permission: Permission) {
  const actor = requireUser(ctx.actor, "manage API keys");
  return {
    actor,
    ...(await authorizeObject({ actor, db: ctx.db }, "API key", await findApiKey(ctx.db, id), permission)),
  };
}

/** Operations only a person can do (not an API key). */
export function requireUser(actor: Actor, what: string): UserActor {
  if (actor.kind === "anonymous") throw unauthenticated();
  if (actor.kind === "apiKey") throw forbidden(`API keys cannot ${what}`);
  return actor;
}

/**
 * Per request: the teams the caller may see, by id, for `_entities` (a page of tickets names its
 * teams): one query for the whole batch, then the members and the caller's access to all their
 * workspaces side by side. A team of a workspace the caller cannot see is null, which the
 * reference resolver turns into NOT_FOUND.
 */
export function visibleTeamsLoader(ctx: { actor: Actor; db: Db; sql: SqlReader }): DataLoader<string, TeamView | null> {
  return new DataLoader(async (ids: readonly string[]) => {
    if (ctx.actor.kind === "anonymous") return ids.map(() => null);
    const teams = await teamsByIds(ctx.db, ids);
    const [memberIds, visible] = await Promise.all([
      memberIdsOfTeams(ctx.db, teams),
      loadAccessMany(ctx.sql, ctx.actor, [...new Set(teams.map((t) => t.workspaceId))]),
    ]);
    const byId = new Map(
      teams
        .filter((team) => visible.has(team.workspaceId))
        .map((team) => [team.id, { memberIds: memberIds.get(team.id) ?? [], ...team }]),
    );
    return ids.map((id) => byId.get(id) ?? null);
  });
}
