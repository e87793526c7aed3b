import type { Db, Tx } from "./client.js";
import type { Prisma } from "./generated/client.js";

/** Identity's copy of a person (org role, status, name), by user id. */
export const findPerson = (db: Db | Tx, userId: string) => db.person.findUnique({ where: { userId } });

export type PersonFields = Pick<
  Prisma.PersonUncheckedCreateInput,
  "orgRole" | "status" | "email" | "firstName" | "lastName"
>;

/**
 * Writes identity's state of one user into the person copy if it is newer (a greater
 * `aggregateVersion`) than what the copy holds; an older event, delivered late, changes nothing.
 */
export async function writePersonIfNewer(
  tx: Tx,
  person: { userId: string; organisationId: string; userVersion: number; deletedAt?: Date },
  fields: PersonFields,
): Promise<boolean> {
  const { userId, userVersion } = person;
  const update = () =>
    tx.person.updateMany({ where: { userId, userVersion: { lt: userVersion } }, data: { ...fields, ...person } });
  if ((await update()).count > 0) return true;
  const created = await tx.person.createMany({ data: [{ ...fields, ...person }], skipDuplicates: true });
  if (created.count > 0) return true;
  // Another transaction created the row since the update above: compare with what it wrote.
  return (await update()).count > 0;
}
