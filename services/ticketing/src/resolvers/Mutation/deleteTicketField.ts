import { eventActor, eventScope } from "@support/events";
import { visibleTicketField } from "../../authorization.js";
import { clearFieldValues, deleteTicketFieldRow } from "../../db/fields.js";
import { fieldTarget, publish } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";

/** The field goes, and so do its values; the tickets stay. */
export const deleteTicketField: MutationResolvers["deleteTicketField"] = async (_, args, ctx) => {
  const { field, grant } = await visibleTicketField(ctx, args.id, "ticket_fields:delete");
  return ctx.db.$transaction(async (tx) => {
    const ticketsAffected = await clearFieldValues(tx, field);
    await deleteTicketFieldRow(tx, field.id);
    await publish(tx, {
      type: "ticket_field.deleted",
      ...eventScope({ id: field.workspaceId, organisationId: grant.organisationId }),
      actor: eventActor(ctx.actor),
      target: fieldTarget(field),
      changes: (["name", "type", "options"] as const).map((f) => ({ field: f, old: field[f], new: null })),
      data: { fieldId: field.id, ticketsAffected },
    });
    return field.id;
  });
};
