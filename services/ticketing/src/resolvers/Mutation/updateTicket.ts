import { z } from "zod";
import { diffFields, eventActor, eventScope } from "@support/events";
import { requirePermission } from "@support/permissions";
import { descriptionText, parseInput } from "@support/validation";
import { visibleTicket } from "../../authorization.js";
import { lockTicket, setTicketColumns } from "../../db/tickets.js";
import { checkedFieldValues, fieldValueInputs, storedValues } from "../../domain/fields.js";
import { ticketTitle } from "../../domain/tickets.js";
import { publish, ticketTarget, workspaceOf } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";

const updateInput = z.object({
  title: ticketTitle.nullish(),
  description: descriptionText().nullish(),
  fieldValues: fieldValueInputs.nullish(),
});

/** Text needs tickets:edit, custom field values ticket_fields:edit_values; an empty input asks for tickets:edit. */
export const updateTicket: MutationResolvers["updateTicket"] = async (_, args, ctx) => {
  const { ticket: loaded, grant } = await visibleTicket(ctx, args.id);
  const input = parseInput(updateInput, args.input, ["input"]);
  const editsText = Boolean(input.title) || typeof input.description === "string";
  const editsValues = Array.isArray(input.fieldValues);
  if (editsText || !editsValues) requirePermission(grant, "tickets:edit");
  if (editsValues) requirePermission(grant, "ticket_fields:edit_values");
  const definitions = input.fieldValues?.length ? await ctx.fields.load(loaded.workspaceId) : null;
  return ctx.sql.transaction(async (tx) => {
    const before = await lockTicket(tx, loaded.id);
    const values =
      input.fieldValues?.length && definitions
        ? checkedFieldValues(storedValues(before), input.fieldValues, definitions)
        : storedValues(before);
    const next = {
      title: input.title ?? before.title,
      description: input.description ?? before.description,
      fieldValues: values,
    };
    const changes = diffFields(
      { title: before.title, description: before.description, fieldValues: storedValues(before) },
      next,
      ["title", "description", "fieldValues"],
    );
    if (changes.length === 0) return before;
    const ticket = await setTicketColumns(tx, before.id, next);
    await publish(tx, {
      type: "ticket.updated",
      ...eventScope(workspaceOf(ticket)),
      actor: eventActor(ctx.actor),
      target: ticketTarget(ticket),
      changes,
      data: { ticketId: ticket.id, number: ticket.number },
    });
    return ticket;
  });
};
