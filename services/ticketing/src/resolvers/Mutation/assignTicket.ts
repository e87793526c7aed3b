import { z } from "zod";
import { diffFields, eventActor, eventScope } from "@support/events";
import { parseInput } from "@support/validation";
import { actorUserId, visibleTicket } from "../../authorization.js";
import { lockTicket, setTicketColumns } from "../../db/tickets.js";
import { requireAssignable } from "../../domain/tickets.js";
import { notifyAssignee } from "../../events/notifications.js";
import { publish, ticketTarget, workspaceOf } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";

const assignInput = z.object({
  assigneeId: z.string().uuid("must be an id").nullish(),
  teamId: z.string().uuid("must be an id").nullish(),
});

/** A member left out or null is cleared; a new assignee is told (events/notifications.ts). */
export const assignTicket: MutationResolvers["assignTicket"] = async (_, args, ctx) => {
  const { ticket: loaded } = await visibleTicket(ctx, args.id, "tickets:assign");
  const ids = parseInput(assignInput, args.input, ["input"]);
  const assigneeId = ids.assigneeId ?? null;
  const teamId = ids.teamId ?? null;
  requireAssignable(await ctx.workspaceService.assignees(loaded.workspaceId, assigneeId, teamId), assigneeId, teamId);
  return ctx.sql.transaction(async (tx) => {
    const before = await lockTicket(tx, loaded.id);
    const changes = diffFields(before, { assigneeId, teamId }, ["assigneeId", "teamId"]);
    if (changes.length === 0) return before;
    const ticket = await setTicketColumns(tx, before.id, { assigneeId, teamId });
    const [assigned] = await publish(tx, {
      type: "ticket.assigned",
      ...eventScope(workspaceOf(ticket)),
      actor: eventActor(ctx.actor),
      target: ticketTarget(ticket),
      changes,
      data: { ticketId: ticket.id, number: ticket.number, assigneeId, teamId },
    });
    await notifyAssignee(tx, { before, ticket, actorUserId: actorUserId(ctx.actor) }, assigned!.id, ticket.updatedAt);
    return ticket;
  });
};
