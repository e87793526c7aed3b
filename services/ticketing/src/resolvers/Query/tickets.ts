import { z } from "zod";
import { authorize } from "@support/permissions";
import { pagingWindow } from "@support/service-kit";
import { connectionOf, instantText, parseInput, singleLineText } from "@support/validation";
import { callerTicketScope } from "../../authorization.js";
import { findTickets } from "../../db/tickets.js";
import {
  TICKET_PRIORITIES,
  TICKET_SORTS,
  TICKET_STATUSES,
  ticketCursorCodec,
  ticketCursorOf,
  type TicketSort,
} from "../../domain/tickets.js";
import type { QueryResolvers } from "../../generated/graphql.js";

const uuid = z.string().uuid("must be an id");
// Within what timestamptz holds: year 0000 or 10000 is BAD_USER_INPUT, not a database error (the
// DateTime scalar has refused what is not an instant at all, 2024-02-30 say).
const isoTime = instantText();
const listArgs = z.object({
  filter: z
    .object({
      status: z.array(z.enum(TICKET_STATUSES)).nullish(),
      priority: z.array(z.enum(TICKET_PRIORITIES)).nullish(),
      assigneeId: uuid.nullish(),
      teamId: uuid.nullish(),
      unassigned: z.boolean().nullish(),
      creatorId: uuid.nullish(),
      createdFrom: isoTime.nullish(),
      createdTo: isoTime.nullish(),
      updatedFrom: isoTime.nullish(),
      updatedTo: isoTime.nullish(),
      slaState: z.enum(["DUE_SOON", "BREACHED"]).nullish(),
      text: singleLineText({ max: 200 }).nullish(),
    })
    .nullish(),
  sort: z.enum(TICKET_SORTS).nullish(),
  direction: z.enum(["ASC", "DESC"]).nullish(),
});

const date = (value: string | null | undefined) => (value ? new Date(value) : null);

/** A workspace's tickets in the caller's ticket access, filtered, in one sort's keyset order. */
export const tickets: QueryResolvers["tickets"] = async (_, args, ctx) => {
  const grant = await authorize(ctx, args.workspaceId, "tickets:list");
  const { filter, ...order } = parseInput(listArgs, {
    filter: args.filter,
    sort: args.sort,
    direction: args.direction,
  });
  const sort: TicketSort = order.sort ?? "CREATED_AT";
  const descending = (order.direction ?? (sort === "SLA_DUE_AT" ? "ASC" : "DESC")) === "DESC";
  // A cursor is a place in one sort's order: another sort's is refused naming its argument.
  const codec = ticketCursorCodec(sort);
  const window = pagingWindow(args, codec);
  const rows = await findTickets(ctx.sql, {
    workspaceId: args.workspaceId,
    scope: callerTicketScope(ctx.actor, grant),
    statuses: filter?.status,
    priorities: filter?.priority,
    assigneeId: filter?.assigneeId,
    teamId: filter?.teamId,
    unassigned: filter?.unassigned,
    creatorId: filter?.creatorId,
    createdFrom: date(filter?.createdFrom),
    createdTo: date(filter?.createdTo),
    updatedFrom: date(filter?.updatedFrom),
    updatedTo: date(filter?.updatedTo),
    slaState: filter?.slaState,
    text: filter?.text || null,
    sort,
    descending,
    from: window.from,
    backward: window.backward,
    limit: window.size + 1,
  });
  const page = connectionOf(rows, window, (row) => ticketCursorOf(sort, row), codec);
  for (const row of page.nodes) ctx.tickets.prime(row.id, row);
  return page;
};
