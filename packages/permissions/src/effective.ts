import { LRUCache } from "lru-cache";
import {
  AGENT_ROLE_PERMISSIONS,
  ALL_PERMISSIONS,
  MEMBER_ROLE_PERMISSIONS,
  SUPPORT_ROLE_PERMISSIONS,
  OWNER_ONLY,
  baseOf,
  groupOf,
  withPrerequisites,
  type Permission,
} from "./catalogue.js";

export type OrgRole = "ORG_ADMIN" | "MEMBER";
/** OWNER, ADMIN and MEMBER, then the preset roles (seed 004); all built in, none editable. */
export type BuiltInRole = "OWNER" | "ADMIN" | "SUPERVISOR" | "AGENT" | "SUPPORT" | "MEMBER";
/** Every built-in role, in the order lists show them. */
export const BUILT_IN_ROLES: readonly BuiltInRole[] = ["OWNER", "ADMIN", "SUPERVISOR", "AGENT", "SUPPORT", "MEMBER"];
export const PRESET_ROLES: readonly BuiltInRole[] = ["SUPERVISOR", "AGENT", "SUPPORT"];
/**
 * Roles only an administrator (the owner, an ADMIN, an org admin) may give, or edit and remove the
 * holders of: a SUPERVISOR manages agents and support staff, not administrators (SPEC section 2).
 */
export const MANAGING_ROLES: ReadonlySet<string> = new Set(["OWNER", "ADMIN", "SUPERVISOR"]);
export type Plan = "BASIC" | "PRO" | "UNLIMITED";
export type TicketAccess = "ALL" | "ASSIGNED_TO_ME_OR_MY_TEAMS" | "ASSIGNED_TO_ME";

export type WorkspaceRole =
  { kind: "BUILT_IN"; role: BuiltInRole } | { kind: "CUSTOM"; name: string; permissions: readonly Permission[] };

export interface MemberToggles {
  membersCanSeeAllAnalytics: boolean;
  membersCanManageExcludedChats: boolean;
  membersCanExportData: boolean;
  sharedBroadcastTemplates: boolean;
  ticketsEnabled: boolean;
  membersCanCreateTickets: boolean;
  membersCanEditTickets: boolean;
  membersCanDeleteTickets: boolean;
  messageAttribution: boolean;
}

export const DEFAULT_TOGGLES: MemberToggles = {
  membersCanSeeAllAnalytics: false,
  membersCanManageExcludedChats: true,
  membersCanExportData: false,
  sharedBroadcastTemplates: false,
  ticketsEnabled: true,
  membersCanCreateTickets: true,
  membersCanEditTickets: true,
  membersCanDeleteTickets: true,
  messageAttribution: false,
};

/**
 * Groups the `ticketsEnabled` master switch takes away from everyone (API keys included): the
 * tickets and their field definitions. SLA policy stays editable (`workspace_settings:manage_sla`),
 * so a workspace can be set up before tickets are switched on.
 */
const TICKET_GROUPS: ReadonlySet<string> = new Set(["tickets", "ticket_fields"]);
const switchedOff = (permission: Permission, toggles: MemberToggles) =>
  !toggles.ticketsEnabled && TICKET_GROUPS.has(groupOf(permission));

/** Toggles that take a permission away from MEMBER role holders when off. */
const MEMBER_TOGGLE_GATES: ReadonlyArray<{ toggle: keyof MemberToggles; permission: Permission }> = [
  { toggle: "membersCanSeeAllAnalytics", permission: "analytics:view_all" },
  { toggle: "membersCanExportData", permission: "workspace_data:export" },
  { toggle: "membersCanCreateTickets", permission: "tickets:create" },
  { toggle: "membersCanEditTickets", permission: "tickets:edit" },
  { toggle: "membersCanDeleteTickets", permission: "tickets:delete" },
];

/**
 * Toggles that, when on, also give MEMBER role holders a permission their role lacks: the
 * settings read "members can see all analytics" and "members can export data" (seed 000).
 */
const MEMBER_TOGGLE_GRANTS: ReadonlySet<keyof MemberToggles> = new Set([
  "membersCanSeeAllAnalytics",
  "membersCanExportData",
]);

/** What a plan does not include (the custom-role allowance is a count, enforced where roles are made). */
export const PLAN_EXCLUSIONS: Record<Plan, ReadonlySet<Permission>> = {
  BASIC: new Set<Permission>(["analytics:view_all", "workspace_data:import"]),
  PRO: new Set<Permission>(),
  UNLIMITED: new Set<Permission>(),
};

export const CUSTOM_ROLE_ALLOWANCE: Record<Plan, number> = { BASIC: 0, PRO: 1, UNLIMITED: Number.POSITIVE_INFINITY };

export interface PermissionSubject {
  orgRole: OrgRole;
  /** null when the user holds no role in the workspace (only org admins then have access). */
  workspaceRole: WorkspaceRole | null;
  overrides: { granted: readonly Permission[]; denied: readonly Permission[] };
  toggles: MemberToggles;
  plan: Plan;
}

export type DecisionSource = "ORG_ROLE" | "WORKSPACE_ROLE" | "OVERRIDE" | "TOGGLE" | "PLAN" | "PREREQUISITE";

export interface DecisionStep {
  source: DecisionSource;
  /** What this layer did to the permission: granted, denied, or left it as it was. */
  effect: "GRANT" | "DENY" | "NONE";
  reason: string;
}

export interface PermissionDecision {
  permission: Permission;
  allowed: boolean;
  steps: DecisionStep[];
}

const isOwner = (s: PermissionSubject) => s.workspaceRole?.kind === "BUILT_IN" && s.workspaceRole.role === "OWNER";
const isOrgAdmin = (s: PermissionSubject) => s.orgRole === "ORG_ADMIN";
/** Member toggles bind MEMBER role holders only; an org admin holding MEMBER is still an administrator. */
const isMemberRole = (s: PermissionSubject) =>
  s.workspaceRole?.kind === "BUILT_IN" && s.workspaceRole.role === "MEMBER" && !isOrgAdmin(s);

function roleLabel(role: WorkspaceRole): string {
  return role.kind === "BUILT_IN" ? role.role : `custom role "${role.name}"`;
}

/** The decision for one permission, ignoring its prerequisite (applied by `decide`). */
function decideAlone(subject: PermissionSubject, permission: Permission): PermissionDecision {
  const steps: DecisionStep[] = [];
  const ownerOnly = OWNER_ONLY.has(permission);
  let allowed = false;

  // 1. organisation role
  if (subject.orgRole === "ORG_ADMIN" && !isOwner(subject)) {
    allowed = !ownerOnly;
    steps.push({
      source: "ORG_ROLE",
      effect: allowed ? "GRANT" : "NONE",
      reason: allowed ? "Org admins administer every workspace" : `${permission} is owner-only, beyond an org admin`,
    });
  } else {
    steps.push({ source: "ORG_ROLE", effect: "NONE", reason: `Organisation role ${subject.orgRole}` });
  }

  // 2. workspace role
  const role = subject.workspaceRole;
  if (role === null) {
    steps.push({ source: "WORKSPACE_ROLE", effect: "NONE", reason: "Not a member of this workspace" });
  } else if (role.kind === "BUILT_IN" && role.role === "OWNER") {
    allowed = true;
    steps.push({ source: "WORKSPACE_ROLE", effect: "GRANT", reason: "The owner can do everything" });
  } else if (!allowed) {
    const roleGrants =
      role.kind === "CUSTOM"
        ? withPrerequisites(role.permissions).includes(permission)
        : builtInRolePermissions(role.role).includes(permission);
    allowed = roleGrants && !ownerOnly;
    steps.push({
      source: "WORKSPACE_ROLE",
      effect: allowed ? "GRANT" : "NONE",
      reason: allowed
        ? `${roleLabel(role)} includes ${permission}`
        : ownerOnly
          ? `${permission} is owner-only`
          : `${roleLabel(role)} does not include ${permission}`,
    });
  } else {
    steps.push({
      source: "WORKSPACE_ROLE",
      effect: "NONE",
      reason: `${roleLabel(role)}; already granted by the org role`,
    });
  }

  // 3. per-member overrides: the owner cannot be restricted, and nothing lifts owner-only actions.
  // Org admins administer every workspace whatever their membership says, so overrides do not bind them.
  if (isOrgAdmin(subject) && !isOwner(subject)) {
    steps.push({ source: "OVERRIDE", effect: "NONE", reason: "Overrides do not restrict org admins" });
  } else if (!isOwner(subject)) {
    const denied =
      subject.overrides.denied.includes(permission) || subject.overrides.denied.includes(baseOf(permission));
    const granted = withPrerequisites(subject.overrides.granted).includes(permission);
    if (denied && allowed) {
      allowed = false;
      steps.push({ source: "OVERRIDE", effect: "DENY", reason: `${permission} is denied to this member` });
    } else if (granted && !allowed && !ownerOnly && !denied) {
      allowed = true;
      steps.push({ source: "OVERRIDE", effect: "GRANT", reason: `${permission} is granted to this member` });
    } else {
      steps.push({ source: "OVERRIDE", effect: "NONE", reason: "No override changes this permission" });
    }
  }

  // 4. toggles: tickets master switch for everyone, the rest for MEMBER role holders only
  if (switchedOff(permission, subject.toggles)) {
    if (allowed) steps.push({ source: "TOGGLE", effect: "DENY", reason: "Tickets are disabled in this workspace" });
    allowed = false;
  } else if (isMemberRole(subject)) {
    const gate = MEMBER_TOGGLE_GATES.find((g) => g.permission === permission);
    if (gate && !subject.toggles[gate.toggle] && allowed) {
      allowed = false;
      steps.push({ source: "TOGGLE", effect: "DENY", reason: `${gate.toggle} is off for members` });
    } else if (gate && MEMBER_TOGGLE_GRANTS.has(gate.toggle) && subject.toggles[gate.toggle] && !allowed) {
      // The owner's or an admin's explicit choice to let members see all analytics or export
      // data (seed 000); for export, the one way around owner-only.
      allowed = true;
      steps.push({ source: "TOGGLE", effect: "GRANT", reason: `${gate.toggle} is on for members` });
    }
  }

  // 5. plan
  if (PLAN_EXCLUSIONS[subject.plan].has(permission) && allowed) {
    allowed = false;
    steps.push({ source: "PLAN", effect: "DENY", reason: `The ${subject.plan} plan does not include ${permission}` });
  }

  return { permission, allowed, steps };
}

/** Why a subject can or cannot use a permission: the chain of layers that decided it. */
export function decide(subject: PermissionSubject, permission: Permission): PermissionDecision {
  const decision = decideAlone(subject, permission);
  const base = baseOf(permission);
  if (base === permission || !decision.allowed) return decision;
  // A permission granted by a members toggle stands without its base (export without the owner-only tab).
  const togglesGrant = decision.steps.some((s) => s.source === "TOGGLE" && s.effect === "GRANT");
  if (togglesGrant) return decision;
  if (!decideAlone(subject, base).allowed) {
    return {
      permission,
      allowed: false,
      steps: [...decision.steps, { source: "PREREQUISITE", effect: "DENY", reason: `${base} is not allowed` }],
    };
  }
  return decision;
}

/** Effective permissions of a user in a workspace (SPEC section 2), in catalogue order. */
export function effectivePermissions(subject: PermissionSubject): readonly Permission[] {
  const key = standingKey(subject);
  let permissions = effectiveByStanding.get(key);
  if (permissions === undefined) {
    permissions = Object.freeze(ALL_PERMISSIONS.filter((permission) => decide(subject, permission).allowed));
    effectiveByStanding.set(key, permissions);
  }
  return permissions;
}

/**
 * Effective permissions by everything that decides them (`standingKey`). Each permission check
 * and each `myPermissions` asks for them per workspace and request, and a user holds the same few
 * standings across an organisation's workspaces: deciding the 42 permissions (each with its
 * explanation's steps) was 8 % of the workspace service's CPU on `workspaces { myPermissions }`
 * (BENCHMARKS.md, issue 25). The answer is a pure function of the key, so a cached one can never
 * be stale: a change to a role, an override, a toggle or the plan is a different key.
 */
const effectiveByStanding = new LRUCache<string, readonly Permission[]>({ max: 4096 });

const TOGGLE_NAMES = Object.keys(DEFAULT_TOGGLES) as ReadonlyArray<keyof MemberToggles>;

/** Every input of `decide` except the names only its explanations use (a custom role's name). */
function standingKey(subject: PermissionSubject): string {
  const role = subject.workspaceRole;
  const roleKey =
    role === null ? "none" : role.kind === "BUILT_IN" ? role.role : `custom ${role.permissions.join(" ")}`;
  let toggles = "";
  for (const name of TOGGLE_NAMES) toggles += subject.toggles[name] ? "1" : "0";
  const { granted, denied } = subject.overrides;
  return `${subject.orgRole}|${roleKey}|${granted.join(" ")}|${denied.join(" ")}|${toggles}|${subject.plan}`;
}

/**
 * Effective permissions of an API key: exactly its own set, minus what the workspace has
 * switched off for everyone and what the plan does not include.
 */
export function apiKeyPermissions(granted: readonly Permission[], toggles: MemberToggles, plan: Plan): Permission[] {
  return withPrerequisites(granted).filter((p) => !switchedOff(p, toggles) && !PLAN_EXCLUSIONS[plan].has(p));
}

/** What a built-in role grants before overrides, toggles and plan (for listing roles). */
export function builtInRolePermissions(role: BuiltInRole): Permission[] {
  switch (role) {
    case "OWNER":
      return [...ALL_PERMISSIONS];
    case "ADMIN":
      return ALL_PERMISSIONS.filter((p) => !OWNER_ONLY.has(p));
    case "SUPERVISOR":
      // What ADMIN has but billing (no card, plan, seats or cancellation).
      return ALL_PERMISSIONS.filter((p) => !OWNER_ONLY.has(p) && groupOf(p) !== "billing");
    case "AGENT":
      return [...AGENT_ROLE_PERMISSIONS];
    case "SUPPORT":
      return [...SUPPORT_ROLE_PERMISSIONS];
    case "MEMBER":
      return [...MEMBER_ROLE_PERMISSIONS];
  }
}

/** Which tickets a built-in role's holders see: SUPPORT only theirs and their teams', the rest all. */
export function builtInRoleTicketAccess(role: BuiltInRole): TicketAccess {
  return role === "SUPPORT" ? "ASSIGNED_TO_ME_OR_MY_TEAMS" : "ALL";
}

export function isBuiltInRole(value: string): value is BuiltInRole {
  return (BUILT_IN_ROLES as readonly string[]).includes(value);
}

/** Whether a workspace on `plan` holding `existing` custom roles may create one more. */
export function canCreateCustomRole(plan: Plan, existing: number): boolean {
  return existing < CUSTOM_ROLE_ALLOWANCE[plan];
}
