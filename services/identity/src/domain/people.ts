import { z } from "zod";
import { conflict, forbidden } from "@support/errors";
import { cursorCodec, cursorKey } from "@support/validation";

export type OrgRole = "ORG_ADMIN" | "MEMBER";
export type UserStatus = "ACTIVE" | "DISABLED" | "SUSPENDED";

export const orgRoleSchema = z.enum(["ORG_ADMIN", "MEMBER"]);
export const statusSchema = z.enum(["ACTIVE", "DISABLED", "SUSPENDED"]);

export interface OrgPerson {
  id: string;
  orgRole: OrgRole;
  status: UserStatus;
}

/** A change to one person of the organisation; `deleted` removes them. */
export interface PersonChange {
  userId: string;
  orgRole?: OrgRole;
  status?: UserStatus;
  deleted?: boolean;
}

/** Only org admins set org roles, statuses and delete users (SPEC section 1). */
export function assertOrgAdmin(actor: { orgRole: OrgRole }, action: string): void {
  if (actor.orgRole !== "ORG_ADMIN") throw forbidden(`Only organisation admins can ${action}`);
}

/** Nobody changes their own role or status, and nobody removes themselves (SPEC section 1). */
export function assertNotSelf(actorUserId: string, targetUserId: string, action: string): void {
  if (actorUserId === targetUserId) throw forbidden(`You cannot ${action} yourself`);
}

/**
 * Active org admins left after a change. A disabled or suspended admin cannot sign in, so
 * they do not count: the organisation must keep someone who can administer it.
 */
export function activeAdminsAfter(people: readonly OrgPerson[], change: PersonChange): number {
  return people.filter((person) => {
    if (person.id !== change.userId) return person.orgRole === "ORG_ADMIN" && person.status === "ACTIVE";
    if (change.deleted) return false;
    return (change.orgRole ?? person.orgRole) === "ORG_ADMIN" && (change.status ?? person.status) === "ACTIVE";
  }).length;
}

/** The organisation keeps at least one (active) org admin; a change that would remove the last one is refused. */
export function assertKeepsAnAdmin(people: readonly OrgPerson[], change: PersonChange): void {
  const before = activeAdminsAfter(people, { userId: change.userId });
  // A change that does not reduce the admins is always allowed (e.g. re-enabling someone).
  if (activeAdminsAfter(people, change) === 0 && before > 0) {
    throw conflict("The organisation must keep at least one active organisation admin");
  }
}

/**
 * The Users page's cursor (@support/validation's codec): the key of the list's order, last name,
 * first name and id, so a user added or removed between pages shifts nothing (an offset would).
 */
export type UserKey = [lastName: string, firstName: string, id: string];
export const usersCursor = cursorCodec(z.tuple([z.string().max(300), z.string().max(300), cursorKey.uuid()]));
export const userKey = (user: { lastName: string; firstName: string; id: string }): UserKey => [
  user.lastName,
  user.firstName,
  user.id,
];
