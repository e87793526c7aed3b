import type { Actor } from "@support/actor-context";
import {
  apiKeyPermissions,
  builtInRoleTicketAccess,
  decide,
  effectivePermissions,
  partitionPermissions,
  type MemberToggles,
  type OrgRole,
  type Permission,
  type PermissionDecision,
  type PermissionSubject,
  type Plan,
  type BuiltInRole,
  type TicketAccess,
  type WorkspaceRole,
} from "@support/permissions";

/** A member's standing as stored: a built-in role, or CUSTOM with its role's permissions. */
export interface MembershipFacts {
  role: BuiltInRole | "CUSTOM";
  customRole: { id: string; name: string; permissions: readonly string[]; ticketAccess: TicketAccess } | null;
  granted: readonly string[];
  denied: readonly string[];
}

/** A stored membership row (with its custom role), as the rules read it. */
export const membershipFactsOf = (row: MembershipFacts): MembershipFacts => ({
  role: row.role,
  customRole: row.customRole,
  granted: row.granted,
  denied: row.denied,
});

export interface WorkspaceFacts {
  workspace: { id: string; organisationId: string };
  /** The actor's membership, if any. */
  membership: MembershipFacts | null;
  toggles: MemberToggles;
  plan: Plan;
}

/** Whether the actor may know the workspace exists at all; others get NOT_FOUND. */
export function canSeeWorkspace(actor: Actor, facts: Pick<WorkspaceFacts, "workspace" | "membership">): boolean {
  switch (actor.kind) {
    case "anonymous":
      return false;
    case "apiKey":
      return actor.workspaceId === facts.workspace.id;
    case "user":
      return (
        actor.organisationId === facts.workspace.organisationId &&
        (actor.orgRole === "ORG_ADMIN" || facts.membership !== null)
      );
  }
}

const known = (values: readonly string[]): Permission[] => partitionPermissions(values).known;

export function workspaceRoleOf(membership: MembershipFacts | null): WorkspaceRole | null {
  if (!membership) return null;
  if (membership.role === "CUSTOM") {
    // A CUSTOM membership always has its role (foreign key, restrict on delete); defensive all the same.
    if (!membership.customRole) return null;
    return { kind: "CUSTOM", name: membership.customRole.name, permissions: known(membership.customRole.permissions) };
  }
  return { kind: "BUILT_IN", role: membership.role };
}

/** The input of the permissions package for a user in a workspace. */
export function subjectOf(
  orgRole: OrgRole,
  membership: MembershipFacts | null,
  facts: Pick<WorkspaceFacts, "toggles" | "plan">,
): PermissionSubject {
  return {
    orgRole,
    workspaceRole: workspaceRoleOf(membership),
    overrides: { granted: known(membership?.granted ?? []), denied: known(membership?.denied ?? []) },
    toggles: facts.toggles,
    plan: facts.plan,
  };
}

/** The actor's effective permissions in a workspace they can see (SPEC section 2), fresh per request. */
export function permissionsOf(actor: Actor, facts: WorkspaceFacts): readonly Permission[] {
  if (actor.kind === "anonymous") return [];
  if (actor.kind === "apiKey") return apiKeyPermissions(known(actor.permissions), facts.toggles, facts.plan);
  return effectivePermissions(subjectOf(actor.orgRole, facts.membership, facts));
}

export function explain(
  orgRole: OrgRole,
  membership: MembershipFacts | null,
  facts: Pick<WorkspaceFacts, "toggles" | "plan">,
  permission: Permission,
): PermissionDecision {
  return decide(subjectOf(orgRole, membership, facts), permission);
}

/**
 * Which tickets a member sees (SPEC section 2, ticket access): org admins see all; a custom role
 * says; a built-in role has its fixed access (SUPPORT: assigned to them or their teams, the others
 * all). API keys act workspace-wide.
 */
export function ticketAccessOf(actor: Actor, membership: MembershipFacts | null): TicketAccess {
  if (actor.kind === "user" && actor.orgRole === "ORG_ADMIN") return "ALL";
  if (membership?.role === "CUSTOM") return membership.customRole?.ticketAccess ?? "ALL";
  if (membership) return builtInRoleTicketAccess(membership.role);
  return "ALL";
}
