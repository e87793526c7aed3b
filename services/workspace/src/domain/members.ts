import { badUserInput, forbidden, planLimit } from "@support/errors";

/**
 * The invariants of SPEC section 1 as pure checks: a workspace keeps exactly one owner, whose
 * role changes only by an explicit transfer; nobody changes their own role or permissions, and
 * nobody removes themselves. Each throws the client-facing error; resolvers call them before writing.
 */
export type StoredRole = "OWNER" | "ADMIN" | "MEMBER" | "CUSTOM";

export interface MemberRef {
  userId: string;
  role: StoredRole;
}

/** The role a member may be given: built-in ADMIN or MEMBER, or a custom role. Never OWNER. */
export type AssignableRole =
  { role: "ADMIN" | "MEMBER"; customRoleId: null } | { role: "CUSTOM"; customRoleId: string };

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
  if (role === "ADMIN" || role === "MEMBER") return { role, customRoleId: null };
  throw badUserInput("A role is required: ADMIN, MEMBER or a customRoleId", field);
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
