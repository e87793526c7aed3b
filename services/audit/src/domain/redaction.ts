/**
 * What a reader of the log may see of an entry (SPEC section 6, redaction; docs/adr/0013): an
 * entry about a ticket outside the reader's ticket access, or about any ticket while tickets are
 * switched off for them, keeps its action, actor and time but loses its target label and its
 * changes. Decided at read time only: the stored entry and its hash chain stay whole.
 */

/** Which tickets' entries a reader sees in full. */
export type TicketSight =
  /** every ticket's (ticket access ALL with tickets:view) */
  | "ALL"
  /** none (tickets switched off, or tickets:view denied) */
  | "NONE"
  /** only those the ticketing service says the reader may see now (a narrower ticket access) */
  | "SOME";

export interface LogReader {
  tickets: TicketSight;
  /** Entries about custom ticket fields: shown to those who may list the fields. */
  ticketFields: boolean;
}

/** Everything: an organisation's admin reading the log of a deleted workspace (no standing left to ask about). */
export const SEES_EVERYTHING: LogReader = { tickets: "ALL", ticketFields: true };

/** The reader's sight from their effective permissions and ticket access in the workspace. */
export function logReaderOf(access: { permissions: readonly string[]; ticketAccess: string }): LogReader {
  const tickets: TicketSight = !access.permissions.includes("tickets:view")
    ? "NONE"
    : access.ticketAccess === "ALL"
      ? "ALL"
      : "SOME";
  return { tickets, ticketFields: access.permissions.includes("ticket_fields:list") };
}

export interface EntryTarget {
  targetType: string;
  targetId: string;
}

/** The ticket ids whose visibility must be asked for before `entries` can be shown to `reader`. */
export function ticketsToAsk(reader: LogReader, entries: readonly EntryTarget[]): string[] {
  if (reader.tickets !== "SOME") return [];
  return [...new Set(entries.filter((e) => e.targetType === "ticket").map((e) => e.targetId))];
}

/** Whether `entry` is shown redacted; `visibleTickets` answers for the ids of `ticketsToAsk`. */
export function isRedacted(reader: LogReader, entry: EntryTarget, visibleTickets: ReadonlySet<string>): boolean {
  switch (entry.targetType) {
    case "ticket":
      return reader.tickets === "NONE" || (reader.tickets === "SOME" && !visibleTickets.has(entry.targetId));
    case "ticket_field":
      return !reader.ticketFields;
    default:
      return false;
  }
}
