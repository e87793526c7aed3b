import { badUserInput, conflict, forbidden, planLimit } from "@support/errors";
import type { Actor } from "@support/actor-context";
import { MANAGING_ROLES, type BuiltInRole, type Permission } from "@support/permissions";

/**
 * The invariants of SPEC section 1 as pure checks: a workspace keeps exactly one owner, whose
 * role changes only by an explicit transfer; nobody changes their own role or permissions, and
 * nobody removes themselves. Each throws the client-facing error; resolvers call them before writing.
 */
export type StoredRole = BuiltInRole | "CUSTOM";

export interface MemberRef {
  userId: string;
  role: StoredRole;
}

/** The role a member may be given: a built-in role but OWNER, or a custom role. */
export type AssignableRole =
  { role: Exclude<BuiltInRole, "OWNER">; customRoleId: null } | { role: "CUSTOM"; customRoleId: string };

const GIVABLE: ReadonlySet<string> = new Set<Exclude<BuiltInRole, "OWNER">>([
  "ADMIN",
  "SUPERVISOR",
  "AGENT",
  "SUPPORT",
  "MEMBER",
]);
const isGivable = (role: string): role is Exclude<BuiltInRole, "OWNER"> => GIVABLE.has(role);

/** `at` is where role and customRoleId sit among the arguments (`input` for the graph's mutations). */
export function assignableRole(
  role: string | null | undefined,
  customRoleId: string | null | undefined,
  at?: string,
): AssignableRole {
  const field = at ? `${at}.role` : "role";
  if (customRoleId) {
    if (role && role !== "CUSTOM") throw badUserInput("Give either a built-in role or a customRoleId, not both", field);
    return { role: "CUSTOM", customRoleId };
  }
  if (role === "OWNER") throw badUserInput("OWNER cannot be given: ownership moves only by transferOwnership", field);
  if (role && isGivable(role)) return { role, customRoleId: null };
  throw badUserInput("A role is required: ADMIN, SUPERVISOR, AGENT, SUPPORT, MEMBER or a customRoleId", field);
}

/**
 * Who acts on members, as the rule below reads them (SPEC section 2, preset roles). The owner,
 * ADMINs and org admins administer the workspace; so does an API key, which only the owner makes.
 * Anyone else with a members:* or roles:* permission — a SUPERVISOR, or a custom role or override
 * that grants it — manages the people below them: they cannot give OWNER, ADMIN or SUPERVISOR,
 * nor change or remove (role, overrides) a holder of those roles, nor give permissions they do
 * not hold themselves (through overrides, or a custom role they give, create or edit). Without the
 * last two, a supervisor could make an agent an administrator in all but name.
 */
export interface Manager {
  administrator: boolean;
  /** The manager's own effective permissions in the workspace. */
  permissions: readonly Permission[];
}

export function managerOf(
  actor: Actor,
  access: { membership: { role: StoredRole } | null; permissions: readonly Permission[] },
): Manager {
  const administrator =
    actor.kind === "apiKey" ||
    (actor.kind === "user" && actor.orgRole === "ORG_ADMIN") ||
    access.membership?.role === "OWNER" ||
    access.membership?.role === "ADMIN";
  return { administrator, permissions: access.permissions };
}

/** A holder of OWNER, ADMIN or SUPERVISOR is changed or removed only by an administrator. */
export function assertMayManage(manager: Manager, targets: readonly MemberRef[]): void {
  if (manager.administrator) return;
  const high = targets.find((t) => MANAGING_ROLES.has(t.role));
  if (high) {
    throw forbidden(
      `Only the owner, admins and org admins can change or remove a member holding ${high.role}; ` +
        "supervisors manage agents, support staff and members",
    );
  }
}

/**
 * OWNER, ADMIN and SUPERVISOR are given only by an administrator; a custom role only by someone
 * who holds every permission it carries.
 */
export function assertMayGive(
  manager: Manager,
  role: AssignableRole,
  customRolePermissions: readonly string[] | null,
): void {
  if (manager.administrator) return;
  if (MANAGING_ROLES.has(role.role)) {
    throw forbidden(`Only the owner, admins and org admins can give the role ${role.role}`);
  }
  if (customRolePermissions) assertWithinOwn(manager, customRolePermissions, "give a role with");
}

/** A non-administrator gives (overrides, custom roles) only permissions they hold themselves. */
export function assertWithinOwn(manager: Manager, permissions: readonly string[], what: string): void {
  if (manager.administrator) return;
  const beyond = permissions.filter((p) => !(manager.permissions as readonly string[]).includes(p));
  if (beyond.length > 0) {
    throw forbidden(`You cannot ${what} permissions you do not hold: ${beyond.join(", ")}`);
  }
}

export function assertCanChangeRole(actorUserId: string | null, target: MemberRef): void {
  if (actorUserId === target.userId) throw forbidden("Nobody can change their own role");
  if (target.role === "OWNER")
    throw forbidden("The owner's role cannot be changed; the owner can transfer ownership instead");
}

export function assertCanRemove(actorUserId: string | null, target: MemberRef): void {
  if (actorUserId === target.userId) throw forbidden("Nobody can remove themselves from a workspace");
  if (target.role === "OWNER") throw forbidden("The owner cannot be removed; transfer ownership first");
}

export function assertCanEditOverrides(actorUserId: string | null, targets: readonly MemberRef[]): void {
  if (targets.some((t) => t.userId === actorUserId)) throw forbidden("Nobody can edit their own permissions");
  if (targets.some((t) => t.role === "OWNER")) throw forbidden("The owner cannot be restricted");
}

export function assertCanTransfer(actorUserId: string | null, owner: MemberRef, target: MemberRef): void {
  if (actorUserId !== owner.userId) throw forbidden("Only the owner can transfer ownership");
  if (target.userId === owner.userId) throw badUserInput("You already own this workspace", "userId");
}

/** After any change the workspace has exactly one owner. */
export function assertExactlyOneOwner(members: readonly MemberRef[]): void {
  const owners = members.filter((m) => m.role === "OWNER").length;
  if (owners !== 1) throw new Error(`a workspace must have exactly one owner, found ${owners}`);
}

export interface SeatUse {
  seats: number;
  members: number;
  pendingInvitations: number;
}

/**
 * Seats (SPEC section 3): members plus pending invitations may not exceed the paid seats.
 * PLAN_LIMIT, since buying seats is the way out.
 */
export function assertSeatsFor(adding: number, use: SeatUse, workspaceName?: string): void {
  if (adding <= 0) return;
  if (use.members + use.pendingInvitations + adding > use.seats) {
    const which = workspaceName === undefined ? "this workspace" : `workspace "${workspaceName}"`;
    throw planLimit(
      `No seat left: ${which} has ${use.seats} seats, used by ${use.members} members and ` +
        `${use.pendingInvitations} pending invitations. Buy more seats to add members.`,
    );
  }
}

/** The person acting, null for an API key: the rules about oneself bind people only. */
export const actingUserId = (actor: Actor): string | null => (actor.kind === "user" ? actor.userId : null);

/** A join request as an event's target, labelled with the person asking. */
export const joinRequestTarget = (request: { id: string }, person: { label: string | null }) => ({
  type: "join_request" as const,
  id: request.id,
  label: person.label,
});

/** A decided join request is not decided again (CONFLICT). */
export function assertPending(request: { status: "PENDING" | "APPROVED" | "REJECTED" }): void {
  if (request.status !== "PENDING") throw conflict(`This join request was already ${request.status.toLowerCase()}`);
}
