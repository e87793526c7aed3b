import { z } from "zod";
import { badUserInput } from "@support/errors";
import { diffFields, eventActor, eventScope } from "@support/events";
import { entityNameText, parseInput } from "@support/validation";
import { visibleTicketField } from "../../authorization.js";
import { fieldNamed, saveTicketField } from "../../db/fields.js";
import { checkOptions, fieldNameTaken } from "../../domain/fields.js";
import { fieldTarget, publish } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";

const updateInput = z.object({
  name: entityNameText().nullish(),
  options: z.array(entityNameText()).max(200).nullish(),
  position: z.number().int().min(0).max(10_000).nullish(),
});

/** Omitted members stay; a field's type never changes. */
export const updateTicketField: MutationResolvers["updateTicketField"] = async (_, args, ctx) => {
  const { field: before, grant } = await visibleTicketField(ctx, args.id, "ticket_fields:update");
  const input = parseInput(updateInput, args.input, ["input"]);
  if (input.options) {
    const problem = checkOptions(before.type, input.options);
    if (problem) throw badUserInput(`options: ${problem}`, "input.options");
  }
  if (input.name && input.name !== before.name && (await fieldNamed(ctx.db, before.workspaceId, input.name, before.id)))
    throw fieldNameTaken(input.name);
  const next = {
    name: input.name ?? before.name,
    options: input.options ?? before.options,
    position: input.position ?? before.position,
  };
  const changes = diffFields(before, next, ["name", "options", "position"]);
  if (changes.length === 0) return before;
  return ctx.db.$transaction(async (tx) => {
    const field = await saveTicketField(tx, before.id, next);
    await publish(tx, {
      type: "ticket_field.updated",
      ...eventScope({ id: field.workspaceId, organisationId: grant.organisationId }),
      actor: eventActor(ctx.actor),
      target: fieldTarget(field),
      changes,
      data: { fieldId: field.id },
    });
    return field;
  });
};
