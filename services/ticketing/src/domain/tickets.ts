/** Ticket rules of SPEC section 4, without I/O. */
import { z } from "zod";
import { badUserInput } from "@support/errors";
import type { FieldChange } from "@support/events";
import { cursorCodec, cursorKey, singleLineText, type CursorCodec } from "@support/validation";

export const TICKET_STATUSES = ["OPEN", "PENDING", "ON_HOLD", "SOLVED", "CLOSED"] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export const TICKET_PRIORITIES = ["LOW", "NORMAL", "HIGH", "URGENT"] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];

/** A ticket's title, wherever one is given (createTicket, updateTicket, importTickets). */
export const ticketTitle = singleLineText({ max: 200 });

/** Sort key of a priority: keyset pagination needs a plain comparable column. */
export const priorityRank = (priority: TicketPriority): number => TICKET_PRIORITIES.indexOf(priority) + 1;

/** Solved and closed tickets have stopped their SLA clock. */
export const stopsSlaClock = (status: TicketStatus): boolean => status === "SOLVED" || status === "CLOSED";

export type TicketAccess = "ALL" | "ASSIGNED_TO_ME_OR_MY_TEAMS" | "ASSIGNED_TO_ME";

/** Which tickets a caller sees: all, or those assigned to them (and, maybe, to their teams). */
export type TicketScope = { all: true } | { all: false; userId: string | null; teamIds: string[] };

export function ticketScope(
  access: { ticketAccess: TicketAccess; teamIds: string[] },
  userId: string | null,
): TicketScope {
  switch (access.ticketAccess) {
    case "ALL":
      return { all: true };
    case "ASSIGNED_TO_ME_OR_MY_TEAMS":
      return { all: false, userId, teamIds: access.teamIds };
    case "ASSIGNED_TO_ME":
      return { all: false, userId, teamIds: [] };
  }
}

/** A ticket assigned directly to the caller is always visible (SPEC section 2). */
export function isInScope(ticket: { assigneeId: string | null; teamId: string | null }, scope: TicketScope): boolean {
  if (scope.all) return true;
  if (scope.userId !== null && ticket.assigneeId === scope.userId) return true;
  return ticket.teamId !== null && scope.teamIds.includes(ticket.teamId);
}

/** The columns a ticket is opened with, besides its SLA due time. */
const OPENED_WITH = ["title", "description", "status", "priority", "assigneeId", "teamId", "fieldValues"] as const;

/** What a new ticket's `ticket.created` event lists: every column it was opened with. */
export function createdChanges(
  ticket: Record<(typeof OPENED_WITH)[number], FieldChange["new"]> & { slaDueAt: Date | null },
): FieldChange[] {
  return [
    ...OPENED_WITH.map((field) => ({ field, old: null, new: ticket[field] })),
    { field: "slaDueAt", old: null, new: ticket.slaDueAt?.toISOString() ?? null },
  ];
}

/**
 * BAD_USER_INPUT naming `input.assigneeId` or `input.teamId` unless the assignment can be made (an
 * assignee must be a member of the ticket's workspace, a team an active team of it), given who of
 * them the workspace service found.
 */
export function requireAssignable(
  found: { memberIds: readonly string[]; activeTeamIds: readonly string[] },
  assigneeId: string | null,
  teamId: string | null,
): void {
  if (assigneeId && !found.memberIds.includes(assigneeId))
    throw badUserInput("assigneeId: not a member of this workspace", "input.assigneeId");
  if (teamId && !found.activeTeamIds.includes(teamId))
    throw badUserInput("teamId: not an active team of this workspace", "input.teamId");
}

export interface SlaPolicyFacts {
  hours: number | null;
  warningLeadMinutes: number;
}

/** The due and warning times of a ticket opened at `openedAt` under `policy`; null when SLA is off. */
export function slaTimes(policy: SlaPolicyFacts | null, openedAt: Date): { dueAt: Date; warnAt: Date } | null {
  if (!policy || policy.hours === null) return null;
  const dueAt = new Date(openedAt.getTime() + Math.round(policy.hours * 3_600_000));
  const warnAt = new Date(
    Math.max(openedAt.getTime(), dueAt.getTime() - Math.round(policy.warningLeadMinutes * 60_000)),
  );
  return { dueAt, warnAt };
}

/** SPEC's preset SLA hours; any other positive value is a custom one. */
export const SLA_PRESET_HOURS = [1, 2, 4, 8, 12, 24, 48, 72, 168] as const;

export type SlaRecipient = "ASSIGNEE_OR_CREATOR" | "ASSIGNEE" | "CREATOR";

/** Who receives the SLA warning: the assignee, falling back to the creator, by default. */
export function slaWarningRecipient(
  recipient: SlaRecipient,
  ticket: { assigneeId: string | null; creatorId: string | null },
): string | null {
  switch (recipient) {
    case "ASSIGNEE_OR_CREATOR":
      return ticket.assigneeId ?? ticket.creatorId;
    case "ASSIGNEE":
      return ticket.assigneeId;
    case "CREATOR":
      return ticket.creatorId;
  }
}

export type SlaState = "DUE_SOON" | "BREACHED";

export const MAX_PAGE_SIZE = 100;

export const TICKET_SORTS = ["CREATED_AT", "UPDATED_AT", "PRIORITY", "SLA_DUE_AT"] as const;
export type TicketSort = (typeof TICKET_SORTS)[number];

/** The position after which the next page starts: the sort key of the last row, then its id. */
export interface Cursor {
  sort: TicketSort;
  /** ISO time or priority rank; null for rows without a due time (sorted last). */
  key: string | number | null;
  id: string;
}

/** Per sort, what its key may be: the column's own range (priority_rank int, timestamptz). */
const cursorCodecs = Object.fromEntries(
  TICKET_SORTS.map((sort) => [
    sort,
    cursorCodec(
      z.tuple([
        z.literal(sort),
        sort === "PRIORITY"
          ? cursorKey.integer()
          : sort === "SLA_DUE_AT"
            ? cursorKey.instant().nullable()
            : cursorKey.instant(),
        cursorKey.uuid(),
      ]),
    ),
  ]),
) as Record<TicketSort, CursorCodec<[TicketSort, string | number | null, string]>>;

export function encodeCursor(cursor: Cursor): string {
  return cursorCodecs[cursor.sort].encode([cursor.sort, cursor.key, cursor.id]);
}

/** Null for anything that is not a cursor of this sort (the caller answers BAD_USER_INPUT). */
export function decodeCursor(value: string, sort: TicketSort): Cursor | null {
  const decoded = cursorCodecs[sort].decode(value);
  return decoded ? { sort, key: decoded[1], id: decoded[2] } : null;
}

/** The cursors of one sort, as the shared `pageWindow`/`connectionOf` take them. */
export const ticketCursorCodec = (sort: TicketSort): CursorCodec<Cursor> => ({
  encode: encodeCursor,
  decode: (value) => decodeCursor(value, sort),
});

/** A ticket's place in a list sorted by `sort`: its sort key, then its id. */
export function ticketCursorOf(
  sort: TicketSort,
  ticket: { id: string; createdAt: Date; updatedAt: Date; priorityRank: number; slaDueAt: Date | null },
): Cursor {
  switch (sort) {
    case "CREATED_AT":
      return { sort, key: ticket.createdAt.toISOString(), id: ticket.id };
    case "UPDATED_AT":
      return { sort, key: ticket.updatedAt.toISOString(), id: ticket.id };
    case "PRIORITY":
      return { sort, key: ticket.priorityRank, id: ticket.id };
    case "SLA_DUE_AT":
      return { sort, key: ticket.slaDueAt?.toISOString() ?? null, id: ticket.id };
  }
}

/** A reply's place among a ticket's replies (oldest first): its time, then its id. */
export type ReplyKey = [createdAt: string, id: string];
export const replyCursorCodec: CursorCodec<ReplyKey> = cursorCodec(z.tuple([cursorKey.instant(), cursorKey.uuid()]));
export const replyKeyOf = (reply: { createdAt: Date; id: string }): ReplyKey => [
  reply.createdAt.toISOString(),
  reply.id,
];

/**
 * A custom field's place among the workspace's fields (and a ticket's values of them): its
 * position, its creation time, then its id.
 */
export type FieldKey = [position: number, createdAt: string, id: string];
export const fieldCursorCodec: CursorCodec<FieldKey> = cursorCodec(
  z.tuple([cursorKey.integer(-2_147_483_648), cursorKey.instant(), cursorKey.uuid()]),
);
export const fieldKeyOf = (field: { position: number; createdAt: Date; id: string }): FieldKey => [
  field.position,
  field.createdAt.toISOString(),
  field.id,
];

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The list order of replies: ISO instants of one format compare as text; ids break ties. */
export const compareReplyKeys = (a: ReplyKey, b: ReplyKey): number =>
  compareText(a[0], b[0]) || compareText(a[1], b[1]);

/** The list order of fields: position, then creation time, then id. */
export const compareFieldKeys = (a: FieldKey, b: FieldKey): number =>
  a[0] - b[0] || compareText(a[1], b[1]) || compareText(a[2], b[2]);
