import { randomUUID } from "node:crypto";
import { Prisma, type Notification } from "./generated/client.js";
import type { Db } from "./client.js";
import type { NotificationKey, NotificationKind } from "../domain/notifications.js";
import type { SqlTransaction } from "@support/events";
import type { Connection } from "@support/validation";

/** Every column of `notification` as Prisma names it, for raw queries that return whole rows. */
const NOTIFICATION_COLUMNS = Prisma.sql`n.id, n.organisation_id AS "organisationId", n.workspace_id AS "workspaceId",
  n.recipient_user_id AS "recipientUserId", n.kind::text AS kind, n.ticket_id AS "ticketId",
  n.ticket_number AS "ticketNumber", n.title, n.due_at AS "dueAt", n.source_event_id AS "sourceEventId",
  n.read_at AS "readAt", n.created_at AS "createdAt"`;

export interface NewNotification {
  organisationId: string;
  workspaceId: string;
  recipientUserId: string;
  kind: NotificationKind;
  ticketId: string;
  ticketNumber: number;
  title: string;
  dueAt: Date | null;
  /** The id of the event announcing what the notification tells. */
  sourceEventId: string;
}

/**
 * Stores notifications in the caller's transaction, in one statement, and answers the ones
 * stored. One already made for the same fact (its source event, or the ticket's one SLA warning or
 * breach) is skipped, not an error: a timer round that fired twice must still commit.
 */
export async function insertNotifications(
  tx: SqlTransaction,
  rows: readonly NewNotification[],
  now: Date,
): Promise<Array<NewNotification & { id: string }>> {
  if (rows.length === 0) return [];
  const withIds = rows.map((row) => ({ id: randomUUID(), ...row }));
  const column = <K extends keyof (typeof withIds)[number]>(key: K) => withIds.map((row) => row[key]);
  // As text: an array parameter with nulls among instants travels safely as ISO strings.
  const dueAts = withIds.map((row) => row.dueAt?.toISOString() ?? null);
  const statement = Prisma.sql`
    INSERT INTO notification (id, organisation_id, workspace_id, recipient_user_id, kind, ticket_id,
                              ticket_number, title, due_at, source_event_id, created_at)
    SELECT id, organisation_id, workspace_id, recipient_user_id, kind::"NotificationKind", ticket_id,
           ticket_number, title, due_at, source_event_id, ${now}::timestamptz
      FROM unnest(${column("id")}::uuid[], ${column("organisationId")}::uuid[], ${column("workspaceId")}::uuid[],
                  ${column("recipientUserId")}::uuid[], ${column("kind")}::text[], ${column("ticketId")}::uuid[],
                  ${column("ticketNumber")}::int[], ${column("title")}::text[], ${dueAts}::timestamptz[],
                  ${column("sourceEventId")}::uuid[])
        AS t(id, organisation_id, workspace_id, recipient_user_id, kind, ticket_id, ticket_number, title, due_at,
             source_event_id)
    ON CONFLICT DO NOTHING
    RETURNING id`;
  // Prisma.sql numbers the parameters; a Prisma transaction (the SLA timers) or a node-postgres one
  // (an assignment) runs the text.
  const stored = await tx.$queryRawUnsafe<Array<{ id: string }>>(statement.text, ...statement.values);
  const storedIds = new Set(stored.map((row) => row.id));
  return withIds.filter((row) => storedIds.has(row.id));
}

/** The workspaces a person has notifications in (each is asked about once: may they still see it?). */
export async function notificationWorkspaces(
  db: Db,
  recipient: { userId: string; organisationId: string },
): Promise<string[]> {
  const rows = await db.$queryRaw<Array<{ workspace_id: string }>>`
    SELECT DISTINCT workspace_id FROM notification
    WHERE recipient_user_id = ${recipient.userId}::uuid AND organisation_id = ${recipient.organisationId}::uuid`;
  return rows.map((row) => row.workspace_id);
}

/**
 * Which of a person's notifications they may see now: those about tickets they could open, by
 * the same rule as `ticket(id)` (tickets:view in the workspace, and the role's ticket access
 * applied to the ticket's current assignee and team; a deleted ticket took its notifications).
 */
export interface NotificationVisibility {
  userId: string;
  organisationId: string;
  /** Workspaces where the person sees every ticket. */
  allTickets: string[];
  /** Workspaces where the person sees the tickets assigned to them or to these teams of it. */
  scoped: Array<{ workspaceId: string; teamIds: readonly string[] }>;
}

/** The visibility as SQL over `notification n JOIN ticket t`. */
function visibleWhere(visibility: NotificationVisibility): Prisma.Sql {
  const me = Prisma.sql`${visibility.userId}::uuid`;
  const allowed: Prisma.Sql[] = [];
  if (visibility.allTickets.length > 0)
    allowed.push(Prisma.sql`n.workspace_id = ANY(${visibility.allTickets}::uuid[])`);
  for (const { workspaceId, teamIds } of visibility.scoped)
    allowed.push(
      Prisma.sql`(n.workspace_id = ${workspaceId}::uuid AND (t.assignee_id = ${me} OR t.team_id = ANY(${[...teamIds]}::uuid[])))`,
    );
  return Prisma.sql`n.recipient_user_id = ${me} AND n.organisation_id = ${visibility.organisationId}::uuid
    AND (${allowed.length > 0 ? Prisma.join(allowed, " OR ") : Prisma.sql`false`})`;
}

const VISIBLE_FROM = Prisma.sql`notification n JOIN ticket t ON t.id = n.ticket_id AND t.workspace_id = n.workspace_id`;

export interface NotificationQuery {
  visibility: NotificationVisibility;
  unreadOnly: boolean;
  /** The cursor to read from (exclusive), or null for the list's start (or end, backward). */
  from: NotificationKey | null;
  /** Read towards the list's start (`last`/`before`): rows nearest the cursor first. */
  backward: boolean;
  /** The page size plus one, to learn whether another page follows. */
  limit: number;
}

/** One statement: the page of visible notifications, newest first (time, then id), keyed, never offset. */
export async function findNotifications(db: Db, query: NotificationQuery): Promise<Notification[]> {
  const where = [visibleWhere(query.visibility)];
  if (query.unreadOnly) where.push(Prisma.sql`n.read_at IS NULL`);
  // The list is newest first; backward reads it the other way round.
  const descending = !query.backward;
  if (query.from) {
    const comparison = descending ? Prisma.sql`<` : Prisma.sql`>`;
    where.push(Prisma.sql`(n.created_at, n.id) ${comparison} (${query.from[0]}::timestamptz, ${query.from[1]}::uuid)`);
  }
  const direction = descending ? Prisma.sql`DESC` : Prisma.sql`ASC`;
  return db.$queryRaw<Notification[]>`
    SELECT ${NOTIFICATION_COLUMNS} FROM ${VISIBLE_FROM}
    WHERE ${Prisma.join(where, " AND ")}
    ORDER BY n.created_at ${direction}, n.id ${direction}
    LIMIT ${query.limit}`;
}

/** How many notifications the list holds (unread only, or all), by the same visibility. */
export async function countNotifications(
  db: Db,
  visibility: NotificationVisibility,
  unreadOnly: boolean,
): Promise<number> {
  const unread = unreadOnly ? Prisma.sql`AND n.read_at IS NULL` : Prisma.empty;
  const [row] = await db.$queryRaw<Array<{ count: number }>>`
    SELECT count(*)::int AS count FROM ${VISIBLE_FROM} WHERE ${visibleWhere(visibility)} ${unread}`;
  return row?.count ?? 0;
}

/** The ids among `ids` of notifications the person may see now. */
export async function visibleNotificationIds(
  db: Db,
  visibility: NotificationVisibility,
  ids: readonly string[],
): Promise<string[]> {
  const rows = await db.$queryRaw<Array<{ id: string }>>`
    SELECT n.id FROM ${VISIBLE_FROM} WHERE ${visibleWhere(visibility)} AND n.id = ANY(${[...ids]}::uuid[])`;
  return rows.map((row) => row.id);
}

/**
 * Marks read the visible unread notifications among `ids`, or all of them (`ids` null); answers
 * how many changed. Already read ones are not counted, so a replay marks 0.
 */
export async function markNotificationsRead(
  db: Db,
  visibility: NotificationVisibility,
  ids: readonly string[] | null,
  now: Date,
): Promise<number> {
  const among = ids ? Prisma.sql`AND n.id = ANY(${[...ids]}::uuid[])` : Prisma.empty;
  return db.$executeRaw`
    UPDATE notification AS n SET read_at = ${now}
      FROM ticket AS t
     WHERE t.id = n.ticket_id AND t.workspace_id = n.workspace_id AND n.read_at IS NULL
       AND ${visibleWhere(visibility)} ${among}`;
}

/** A page of notifications whose `totalCount` runs its query only when the client asks for it. */
export type NotificationPage = Connection<Notification> & { totalCount: () => Promise<number> };
