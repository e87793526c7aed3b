import { z } from "zod";
import { badUserInput } from "@support/errors";
import { eventActor, eventScope } from "@support/events";
import { authorize } from "@support/permissions";
import { entityNameText, parseInput } from "@support/validation";
import { fieldNamed, insertTicketField, nextFieldPosition } from "../../db/fields.js";
import { checkOptions, fieldNameTaken, TICKET_FIELD_TYPES } from "../../domain/fields.js";
import { fieldTarget, publish } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";

const createInput = z.object({
  name: entityNameText(),
  type: z.enum(TICKET_FIELD_TYPES),
  options: z.array(entityNameText()).max(200).nullish(),
  position: z.number().int().min(0).max(10_000).nullish(),
});

/** A new custom field, last unless a position is given; its name is unique in the workspace in any case. */
export const createTicketField: MutationResolvers["createTicketField"] = async (_, args, ctx) => {
  const grant = await authorize(ctx, args.workspaceId, "ticket_fields:create");
  const input = parseInput(createInput, args.input, ["input"]);
  const options = input.options ?? [];
  const problem = checkOptions(input.type, options);
  if (problem) throw badUserInput(`options: ${problem}`, "input.options");
  if (await fieldNamed(ctx.db, args.workspaceId, input.name)) throw fieldNameTaken(input.name);
  return ctx.db.$transaction(async (tx) => {
    const field = await insertTicketField(tx, {
      workspaceId: args.workspaceId,
      name: input.name,
      type: input.type,
      options,
      position: input.position ?? (await nextFieldPosition(tx, args.workspaceId)),
    });
    await publish(tx, {
      type: "ticket_field.created",
      ...eventScope({ id: field.workspaceId, organisationId: grant.organisationId }),
      actor: eventActor(ctx.actor),
      target: fieldTarget(field),
      changes: (["name", "type", "options", "position"] as const).map((f) => ({ field: f, old: null, new: field[f] })),
      data: { fieldId: field.id },
    });
    return field;
  });
};
