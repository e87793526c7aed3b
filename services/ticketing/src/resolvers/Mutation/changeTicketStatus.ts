import { z } from "zod";
import { eventActor, eventScope } from "@support/events";
import { requirePermission } from "@support/permissions";
import { parseInput } from "@support/validation";
import { visibleTicket } from "../../authorization.js";
import { lockTicket, setTicketColumns } from "../../db/tickets.js";
import { stopsSlaClock, TICKET_STATUSES, type TicketStatus } from "../../domain/tickets.js";
import { publish, ticketTarget, workspaceOf } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";

const statusInput = z.object({ status: z.enum(TICKET_STATUSES) });

/** Solving, closing or reopening (the SLA clock stops or restarts) needs tickets:close; other moves tickets:edit. */
export const changeTicketStatus: MutationResolvers["changeTicketStatus"] = async (_, args, ctx) => {
  const { status } = parseInput(statusInput, args.input, ["input"]);
  const { ticket: loaded, grant } = await visibleTicket(ctx, args.id);
  const permissionFor = (from: TicketStatus) =>
    stopsSlaClock(status) || stopsSlaClock(from) ? "tickets:close" : "tickets:edit";
  requirePermission(grant, permissionFor(loaded.status));
  // The hot write path: on node-postgres, not a Prisma interactive transaction (db/tickets.ts).
  return ctx.sql.transaction(async (tx) => {
    const before = await lockTicket(tx, loaded.id);
    requirePermission(grant, permissionFor(before.status));
    if (before.status === status) return before;
    const ticket = await setTicketColumns(tx, before.id, { status });
    await publish(tx, {
      type: "ticket.status_changed",
      ...eventScope(workspaceOf(ticket)),
      actor: eventActor(ctx.actor),
      target: ticketTarget(ticket),
      changes: [{ field: "status", old: before.status, new: status }],
      data: { ticketId: ticket.id, number: ticket.number, status },
    });
    return ticket;
  });
};
