import { z } from "zod";
import { eventActor, eventScope } from "@support/events";
import { parseInput } from "@support/validation";
import { visibleTicket } from "../../authorization.js";
import { lockTicket, setTicketColumns } from "../../db/tickets.js";
import { priorityRank, TICKET_PRIORITIES } from "../../domain/tickets.js";
import { publish, ticketTarget, workspaceOf } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";

const priorityInput = z.object({ priority: z.enum(TICKET_PRIORITIES) });

export const changeTicketPriority: MutationResolvers["changeTicketPriority"] = async (_, args, ctx) => {
  const { priority } = parseInput(priorityInput, args.input, ["input"]);
  const { ticket: loaded } = await visibleTicket(ctx, args.id, "tickets:change_priority");
  // A hot write path, as changeTicketStatus: on node-postgres (db/tickets.ts).
  return ctx.sql.transaction(async (tx) => {
    const before = await lockTicket(tx, loaded.id);
    if (before.priority === priority) return before;
    const ticket = await setTicketColumns(tx, before.id, { priority, priorityRank: priorityRank(priority) });
    await publish(tx, {
      type: "ticket.priority_changed",
      ...eventScope(workspaceOf(ticket)),
      actor: eventActor(ctx.actor),
      target: ticketTarget(ticket),
      changes: [{ field: "priority", old: before.priority, new: priority }],
      data: { ticketId: ticket.id, number: ticket.number, priority },
    });
    return ticket;
  });
};
