import { forbidden, notFound } from "@support/errors";
import type { Actor } from "@support/actor-context";
import type { Permission } from "@support/permissions";
import { canSeeWorkspace, defaultFacts, permissionsOf, type WorkspaceFacts } from "../domain/access.js";
import type { Db } from "../db/client.js";
import type { Workspace } from "../db/generated/client.js";

export interface WorkspaceAccess extends WorkspaceFacts {
  workspace: Workspace;
  permissions: Permission[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Loads a workspace with the actor's standing in it. A workspace the actor may not see — of
 * another organisation, or one they do not belong to — is NOT_FOUND, exactly like a missing one.
 */
export async function loadAccess(db: Db, actor: Actor, workspaceId: string): Promise<WorkspaceAccess> {
  if (!UUID.test(workspaceId)) throw notFound("Workspace");
  const workspace = await db.workspace.findUnique({ where: { id: workspaceId } });
  if (!workspace) throw notFound("Workspace");
  const membership =
    actor.kind === "user"
      ? await db.membership.findUnique({ where: { workspaceId_userId: { workspaceId, userId: actor.userId } } })
      : null;
  const facts: WorkspaceFacts = { workspace, role: membership?.role ?? null, ...defaultFacts };
  if (!canSeeWorkspace(actor, facts)) throw notFound("Workspace");
  return { ...facts, workspace, permissions: permissionsOf(actor, facts) };
}

export function requirePermission(access: WorkspaceAccess, permission: Permission): void {
  if (!access.permissions.includes(permission)) throw forbidden(`Missing permission ${permission}`);
}
