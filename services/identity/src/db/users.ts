import type { PageWindow } from "@support/validation";
import type { OrgPerson, UserKey } from "../domain/people.js";
import type { Db, Tx } from "./client.js";
import type { Prisma, User } from "./generated/client.js";

/** The user with this (normalised) email, of any organisation: emails are unique across them. */
export const userByEmail = (db: Db | Tx, emailNormalized: string): Promise<User | null> =>
  db.user.findUnique({ where: { emailNormalized } });

/** What a mail to the user needs, and whether they may still get one (status, organisation). */
export const mailRecipient = (db: Db | Tx, id: string) =>
  db.user.findUnique({ where: { id }, select: { email: true, firstName: true, status: true, organisationId: true } });

/** Org roles and statuses of these people, those of the organisation only. */
export const orgPeople = (db: Db, organisationId: string, userIds: string[]): Promise<OrgPerson[]> =>
  db.user.findMany({
    where: { id: { in: userIds }, organisationId },
    select: { id: true, orgRole: true, status: true },
  });

/** The organisation's org admins and the person `userId`, as the "an admin remains" rule reads them. */
export const adminsAndPerson = (db: Db | Tx, organisationId: string, userId: string): Promise<OrgPerson[]> =>
  db.user.findMany({
    where: { organisationId, OR: [{ orgRole: "ORG_ADMIN" }, { id: userId }] },
    select: { id: true, orgRole: true, status: true },
  });

/** The users after (or, backward, before) `key` in the list's order: last name, first name, id. */
function beyondUser([lastName, firstName, id]: UserKey, backward: boolean): Prisma.UserWhereInput {
  const beyond = backward ? "lt" : "gt";
  return {
    OR: [
      { lastName: { [beyond]: lastName } },
      { lastName, firstName: { [beyond]: firstName } },
      { lastName, firstName, id: { [beyond]: id } },
    ],
  };
}

/** One page of the users `where` selects, in the list's order, one more than `size` (is there a next?), and their count. */
export async function usersPage(
  db: Db,
  where: Prisma.UserWhereInput,
  window: PageWindow<UserKey>,
): Promise<{ rows: User[]; totalCount: number }> {
  const order = window.backward ? ("desc" as const) : ("asc" as const);
  const [rows, totalCount] = await Promise.all([
    db.user.findMany({
      where: window.from ? { AND: [where, beyondUser(window.from, window.backward)] } : where,
      orderBy: [{ lastName: order }, { firstName: order }, { id: order }],
      take: window.size + 1,
    }),
    db.user.count({ where }),
  ]);
  return { rows, totalCount };
}
