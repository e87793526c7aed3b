import { z } from "zod";
import { eventActor, eventScope } from "@support/events";
import { authorize, requirePermission } from "@support/permissions";
import { descriptionText, parseInput } from "@support/validation";
import { actorUserId } from "../../authorization.js";
import { findSlaPolicy } from "../../db/sla-policies.js";
import { insertTicket, reserveTicketNumbers } from "../../db/tickets.js";
import { checkedFieldValues, fieldValueInputs } from "../../domain/fields.js";
import {
  requireAssignable,
  createdChanges,
  priorityRank,
  slaTimes,
  TICKET_PRIORITIES,
  ticketTitle,
  type TicketPriority,
} from "../../domain/tickets.js";
import { notifyAssignee } from "../../events/notifications.js";
import { publish, ticketTarget, workspaceOf } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";

const createInput = z.object({
  title: ticketTitle,
  description: descriptionText().nullish(),
  priority: z.enum(TICKET_PRIORITIES).nullish(),
  assigneeId: z.string().uuid("must be an id").nullish(),
  teamId: z.string().uuid("must be an id").nullish(),
  fieldValues: fieldValueInputs.nullish(),
});

/** Opening a ticket for someone else assigns it to them: they are told, as by assignTicket. */
export const createTicket: MutationResolvers["createTicket"] = async (_, args, ctx) => {
  const grant = await authorize(ctx, args.workspaceId, "tickets:create");
  const input = parseInput(createInput, args.input, ["input"]);
  const assigneeId = input.assigneeId ?? null;
  const teamId = input.teamId ?? null;
  if (assigneeId || teamId) requirePermission(grant, "tickets:assign");
  if (input.fieldValues?.length) requirePermission(grant, "ticket_fields:edit_values");
  const values = input.fieldValues?.length
    ? checkedFieldValues({}, input.fieldValues, await ctx.fields.load(args.workspaceId))
    : {};
  requireAssignable(await ctx.workspaceService.assignees(args.workspaceId, assigneeId, teamId), assigneeId, teamId);
  const priority: TicketPriority = input.priority ?? "NORMAL";
  const policy = await findSlaPolicy(ctx.db, args.workspaceId);
  // The counter row's lock is taken last and held only for the insert: concurrent creations queue there.
  return ctx.db.$transaction(
    async (tx) => {
      const number = await reserveTicketNumbers(tx, args.workspaceId, 1);
      const openedAt = new Date();
      const sla = slaTimes(policy, openedAt);
      const ticket = await insertTicket(tx, {
        workspaceId: args.workspaceId,
        organisationId: grant.organisationId,
        number,
        title: input.title,
        description: input.description ?? "",
        priority,
        priorityRank: priorityRank(priority),
        creatorId: actorUserId(ctx.actor),
        creatorApiKeyId: ctx.actor.kind === "apiKey" ? ctx.actor.apiKeyId : null,
        assigneeId,
        teamId,
        fieldValues: values,
        slaDueAt: sla?.dueAt ?? null,
        slaWarnAt: sla?.warnAt ?? null,
        createdAt: openedAt,
      });
      const [created] = await publish(tx, {
        type: "ticket.created",
        ...eventScope(workspaceOf(ticket)),
        actor: eventActor(ctx.actor),
        target: ticketTarget(ticket),
        changes: createdChanges(ticket),
        data: { ticketId: ticket.id, number: ticket.number },
      });
      await notifyAssignee(tx, { before: null, ticket, actorUserId: actorUserId(ctx.actor) }, created!.id, openedAt);
      return ticket;
    },
    // Waiting for a pooled connection or the counter's lock is queueing, not failure.
    { maxWait: 10_000, timeout: 20_000 },
  );
};
