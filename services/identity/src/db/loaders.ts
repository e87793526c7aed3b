import DataLoader from "dataloader";
import { selectColumns, type SqlReader } from "@support/service-kit";
import { isUuid } from "@support/validation";
import type { Db } from "./client.js";
import type { Organisation, User } from "./generated/client.js";

export interface Loaders {
  users: DataLoader<string, User | null>;
  organisations: DataLoader<string, Organisation | null>;
  /**
   * The invitations each user accepted, for the workspace service's `workspaceCount` (federation
   * `@requires`, never in the API): a membership an acceptance creates arrives there through
   * `invitation.accepted`, and until it has, the workspace service still holds the invitation's
   * seat rows and counts them (so acceptInvitation's answer already counts the new workspace).
   */
  acceptedInvitationIds: DataLoader<string, string[]>;
}

/** Every column of a user and an organisation row by its field (`selectColumns`): whole rows, as Prisma's `findMany` answered. */
const USER_COLUMNS: Record<keyof User, string> = {
  id: "id::text",
  organisationId: "organisation_id::text",
  firstName: "first_name",
  lastName: "last_name",
  email: "email",
  emailNormalized: "email_normalized",
  passwordHash: "password_hash",
  status: "status::text",
  orgRole: "org_role::text",
  createdAt: "created_at",
  updatedAt: "updated_at",
  version: "version",
};
const ORGANISATION_COLUMNS: Record<keyof Organisation, string> = {
  id: "id::text",
  name: "name",
  createdAt: "created_at",
};
const USERS_BY_ID = `SELECT ${selectColumns(USER_COLUMNS)} FROM "user" WHERE id = ANY($1::uuid[])`;
const ORGANISATIONS_BY_ID = `SELECT ${selectColumns(ORGANISATION_COLUMNS)} FROM organisation WHERE id = ANY($1::uuid[])`;

/**
 * Rows by id, in the order asked, null where there is none (ids as PostgreSQL writes a uuid, lower
 * case, as Prisma's answers were matched). An id that is not a UUID cannot name a row, so it is
 * answered null without reaching the database, where its cast would fail the whole batch.
 */
function byIds<Row extends { id: string }>(sql: SqlReader, statement: string) {
  return async (ids: readonly string[]): Promise<Array<Row | null>> => {
    const wanted = ids.filter(isUuid);
    const rows = wanted.length > 0 ? await sql.$queryRawUnsafe<Row[]>(statement, wanted) : [];
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  };
}

/**
 * Per-request loaders batch look-ups (e.g. `_entities` for many users) into one query each. Users
 * and organisations, behind every `me`, every User entity a ticket page names and every member
 * list, are read on the service's node-postgres pool (a measured hot path, docs/adr/0025); the
 * rest stays on Prisma.
 */
export function createLoaders(db: Db, sql: SqlReader): Loaders {
  return {
    users: new DataLoader(byIds<User>(sql, USERS_BY_ID)),
    organisations: new DataLoader(byIds<Organisation>(sql, ORGANISATIONS_BY_ID)),
    acceptedInvitationIds: new DataLoader(async (userIds: readonly string[]) => {
      const rows = await db.invitation.findMany({
        where: { acceptedUserId: { in: [...userIds] }, status: "ACCEPTED" },
        select: { id: true, acceptedUserId: true },
      });
      return userIds.map((id) => rows.filter((row) => row.acceptedUserId === id).map((row) => row.id));
    }),
  };
}
