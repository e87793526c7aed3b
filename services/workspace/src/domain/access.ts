import type { Actor } from "@support/actor-context";
import {
  DEFAULT_TOGGLES,
  apiKeyPermissions,
  effectivePermissions,
  isPermission,
  type Permission,
  type PermissionSubject,
  type Plan,
  type MemberToggles,
} from "@support/permissions";
import type { BuiltInRole } from "../db/generated/enums.js";

export interface WorkspaceFacts {
  workspace: { id: string; organisationId: string };
  /** The actor's membership, if any. */
  role: BuiltInRole | null;
  toggles: MemberToggles;
  plan: Plan;
}

/** Whether the actor may know the workspace exists at all; others get NOT_FOUND. */
export function canSeeWorkspace(actor: Actor, facts: Pick<WorkspaceFacts, "workspace" | "role">): boolean {
  switch (actor.kind) {
    case "anonymous":
      return false;
    case "apiKey":
      return actor.workspaceId === facts.workspace.id;
    case "user":
      return (
        actor.organisationId === facts.workspace.organisationId &&
        (actor.orgRole === "ORG_ADMIN" || facts.role !== null)
      );
  }
}

/** The actor's effective permissions in a workspace they can see (SPEC section 2). */
export function permissionsOf(actor: Actor, facts: WorkspaceFacts): Permission[] {
  if (actor.kind === "anonymous") return [];
  if (actor.kind === "apiKey")
    return apiKeyPermissions(actor.permissions.filter(isPermission), facts.toggles, facts.plan);
  const subject: PermissionSubject = {
    orgRole: actor.orgRole,
    workspaceRole: facts.role ? { kind: "BUILT_IN", role: facts.role } : null,
    overrides: { granted: [], denied: [] },
    toggles: facts.toggles,
    plan: facts.plan,
  };
  return effectivePermissions(subject);
}

export const defaultFacts = { toggles: DEFAULT_TOGGLES, plan: "BASIC" as Plan };
