import DataLoader from "dataloader";
import { forbidden, notFound, unauthenticated } from "@support/errors";
import type { Actor, UserActor } from "@support/actor-context";
import type { Permission } from "@support/permissions";
import { canSeeWorkspace, permissionsOf, type MembershipFacts, type WorkspaceFacts } from "../domain/access.js";
import { togglesOf } from "../domain/settings.js";
import type { Db, Tx } from "../db/client.js";
import type { Workspace } from "../db/generated/client.js";
import { isUuid } from "@support/validation";

export interface WorkspaceAccess extends WorkspaceFacts {
  workspace: Workspace;
  permissions: Permission[];
}

/** A member's stored standing, in the shape the permission rules read. */
export async function membershipFacts(
  db: Db | Tx,
  workspaceId: string,
  userId: string,
): Promise<MembershipFacts | null> {
  const membership = await db.membership.findUnique({
    where: { workspaceId_userId: { workspaceId, userId } },
    include: { customRole: true },
  });
  if (!membership) return null;
  return {
    role: membership.role,
    customRole: membership.customRole,
    granted: membership.granted,
    denied: membership.denied,
  };
}

/**
 * Loads a workspace with the actor's standing in it, computed from the current rows on every
 * call (so a role, override or toggle change applies on the very next request). A workspace the
 * actor may not see — of another organisation, or one they do not belong to — is NOT_FOUND,
 * exactly like a missing one.
 */
export async function loadAccess(db: Db | Tx, actor: Actor, workspaceId: string): Promise<WorkspaceAccess> {
  const access = (await loadAccessMany(db, actor, [workspaceId])).get(workspaceId);
  if (!access) throw notFound("Workspace");
  return access;
}

/**
 * `loadAccess` for several workspaces in the same few statements: the workspaces the actor may
 * see, by id (the others are simply absent, as NOT_FOUND would be for one).
 */
export async function loadAccessMany(
  db: Db | Tx,
  actor: Actor,
  workspaceIds: readonly string[],
): Promise<Map<string, WorkspaceAccess>> {
  if (actor.kind === "anonymous") throw unauthenticated();
  const ids = [...new Set(workspaceIds.filter(isUuid))];
  const [workspaces, memberships] = await Promise.all([
    ids.length ? db.workspace.findMany({ where: { id: { in: ids } } }) : [],
    actor.kind === "user" && ids.length
      ? db.membership.findMany({
          where: { userId: actor.userId, workspaceId: { in: ids } },
          include: { customRole: true },
        })
      : [],
  ]);
  const accesses = new Map<string, WorkspaceAccess>();
  for (const workspace of workspaces) {
    const row = memberships.find((m) => m.workspaceId === workspace.id);
    const membership: MembershipFacts | null = row
      ? { role: row.role, customRole: row.customRole, granted: row.granted, denied: row.denied }
      : null;
    const facts: WorkspaceFacts = { workspace, membership, toggles: togglesOf(workspace), plan: workspace.plan };
    if (canSeeWorkspace(actor, facts)) {
      accesses.set(workspace.id, { ...facts, workspace, permissions: permissionsOf(actor, facts) });
    }
  }
  return accesses;
}

/** Per request: the actor's access to each workspace asked about, one `loadAccessMany` per batch. */
export function accessLoader(ctx: { actor: Actor; db: Db }): DataLoader<string, WorkspaceAccess | null> {
  return new DataLoader(async (workspaceIds: readonly string[]) => {
    const accesses = await loadAccessMany(ctx.db, ctx.actor, workspaceIds);
    return workspaceIds.map((id) => accesses.get(id) ?? null);
  });
}

export function requirePermission(access: WorkspaceAccess, permission: Permission): void {
  if (!access.permissions.includes(permission)) throw forbidden(`Missing permission ${permission}`);
}

/** Loads the workspace and demands a permission in one step. */
export async function authorize(db: Db | Tx, actor: Actor, workspaceId: string, permission: Permission) {
  const access = await loadAccess(db, actor, workspaceId);
  requirePermission(access, permission);
  return access;
}

/** Operations only a person can do (not an API key). */
export function requireUser(actor: Actor, what: string): UserActor {
  if (actor.kind === "anonymous") throw unauthenticated();
  if (actor.kind === "apiKey") throw forbidden(`API keys cannot ${what}`);
  return actor;
}

/** Postgres unique violation through Prisma. */
export function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === "object" && error !== null && "code" in error && (error as { code: unknown }).code === "P2002"
  );
}
