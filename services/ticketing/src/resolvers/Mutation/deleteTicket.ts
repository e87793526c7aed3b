import { eventActor, eventScope } from "@support/events";
import { visibleTicket } from "../../authorization.js";
import { deleteTicketRow, lockTicket } from "../../db/tickets.js";
import { publish, ticketTarget, workspaceOf } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";

/** The ticket goes with its replies and notifications; answers its id. */
export const deleteTicket: MutationResolvers["deleteTicket"] = async (_, args, ctx) => {
  const { ticket: loaded } = await visibleTicket(ctx, args.id, "tickets:delete");
  return ctx.sql.transaction(async (tx) => {
    const before = await lockTicket(tx, loaded.id);
    await deleteTicketRow(tx, before.id);
    await publish(tx, {
      type: "ticket.deleted",
      ...eventScope(workspaceOf(before)),
      actor: eventActor(ctx.actor),
      target: ticketTarget(before),
      changes: (["title", "status", "priority", "assigneeId", "teamId"] as const).map((field) => ({
        field,
        old: before[field],
        new: null,
      })),
      data: { ticketId: before.id, number: before.number },
    });
    return before.id;
  });
};
