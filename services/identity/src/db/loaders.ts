import DataLoader from "dataloader";
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

/** Per-request loaders batch look-ups (e.g. `_entities` for many users) into one query each. */
export function createLoaders(db: Db): Loaders {
  return {
    users: new DataLoader(async (ids: readonly string[]) => {
      const rows = await db.user.findMany({ where: { id: { in: [...ids] } } });
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    organisations: new DataLoader(async (ids: readonly string[]) => {
      const rows = await db.organisation.findMany({ where: { id: { in: [...ids] } } });
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    acceptedInvitationIds: new DataLoader(async (userIds: readonly string[]) => {
      const rows = await db.invitation.findMany({
        where: { acceptedUserId: { in: [...userIds] }, status: "ACCEPTED" },
        select: { id: true, acceptedUserId: true },
      });
      return userIds.map((id) => rows.filter((row) => row.acceptedUserId === id).map((row) => row.id));
    }),
  };
}
