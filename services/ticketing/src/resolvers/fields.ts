import { z } from "zod";
import { badUserInput, conflict, isAppError, notFound } from "@support/errors";
import { diffFields } from "@support/events";
import { entityNameText, isUuid, parseInput } from "@support/validation";
import type { TicketingContext } from "../context.js";
import type { TicketField } from "../db/generated/client.js";
import { checkOptions } from "../domain/fields.js";
import { compareFieldKeys, fieldCursorCodec, fieldKeyOf } from "../domain/tickets.js";
import { publish, ticketingEvent } from "../events/publish.js";
import { requirePermission, workspaceAccess } from "./access.js";
import { pageOfList } from "./paging.js";
import type {
  MutationCreateTicketFieldArgs,
  MutationDeleteTicketFieldArgs,
  MutationUpdateTicketFieldArgs,
  QueryTicketFieldsArgs,
} from "../generated/graphql.js";

const optionText = entityNameText();
const createInput = z.object({
  name: entityNameText(),
  type: z.enum(["TEXT", "NUMBER", "BOOLEAN", "DATE", "SINGLE_SELECT"]),
  options: z.array(optionText).max(200).nullish(),
  position: z.number().int().min(0).max(10_000).nullish(),
});
const updateInput = z.object({
  name: entityNameText().nullish(),
  options: z.array(optionText).max(200).nullish(),
  position: z.number().int().min(0).max(10_000).nullish(),
});

const fieldTarget = (field: TicketField) => ({ type: "ticket_field" as const, id: field.id, label: field.name });

async function assertNameFree(ctx: TicketingContext, workspaceId: string, name: string, exceptId?: string) {
  const same = await ctx.db.ticketField.findFirst({
    where: { workspaceId, name: { equals: name, mode: "insensitive" }, ...(exceptId ? { id: { not: exceptId } } : {}) },
  });
  if (same) throw conflict(`A ticket field named "${name}" already exists in this workspace`, "input.name");
}

/** A page of the workspace's fields in their order (position, creation, id), read in one batched query. */
export async function listTicketFields(args: QueryTicketFieldsArgs, ctx: TicketingContext) {
  const { access } = await workspaceAccess(ctx, args.workspaceId);
  requirePermission(access, "ticket_fields:list");
  return pageOfList(await ctx.fields.load(args.workspaceId), args, {
    codec: fieldCursorCodec,
    keyOf: fieldKeyOf,
    compare: compareFieldKeys,
  });
}

export async function createTicketField(args: MutationCreateTicketFieldArgs, ctx: TicketingContext) {
  const { access } = await workspaceAccess(ctx, args.workspaceId);
  requirePermission(access, "ticket_fields:create");
  const input = parseInput(createInput, args.input, ["input"]);
  const options = input.options ?? [];
  const problem = checkOptions(input.type, options);
  if (problem) throw badUserInput(`options: ${problem}`, "input.options");
  await assertNameFree(ctx, args.workspaceId, input.name);
  return ctx.db.$transaction(async (tx) => {
    const last = await tx.ticketField.aggregate({ where: { workspaceId: args.workspaceId }, _max: { position: true } });
    const field = await tx.ticketField.create({
      data: {
        workspaceId: args.workspaceId,
        name: input.name,
        type: input.type,
        options,
        position: input.position ?? (last._max.position ?? -1) + 1,
      },
    });
    await publish(
      tx,
      ticketingEvent(
        "ticket_field.created",
        { workspaceId: field.workspaceId, organisationId: access.organisationId },
        ctx.actor,
        fieldTarget(field),
        (["name", "type", "options", "position"] as const).map((f) => ({ field: f, old: null, new: field[f] })),
        { fieldId: field.id },
      ),
    );
    return field;
  });
}

async function loadField(ctx: TicketingContext, id: string, permission: string) {
  const field = isUuid(id) ? await ctx.db.ticketField.findUnique({ where: { id } }) : null;
  if (!field) throw notFound("TicketField");
  try {
    const { access } = await workspaceAccess(ctx, field.workspaceId);
    requirePermission(access, permission);
    return { field, access };
  } catch (error) {
    if (isAppError(error) && error.code === "NOT_FOUND") throw notFound("TicketField");
    throw error;
  }
}

export async function updateTicketField(args: MutationUpdateTicketFieldArgs, ctx: TicketingContext) {
  const { field: before, access } = await loadField(ctx, args.id, "ticket_fields:update");
  const input = parseInput(updateInput, args.input, ["input"]);
  if (input.options) {
    const problem = checkOptions(before.type, input.options);
    if (problem) throw badUserInput(`options: ${problem}`, "input.options");
  }
  if (input.name && input.name !== before.name) await assertNameFree(ctx, before.workspaceId, input.name, before.id);
  const next = {
    name: input.name ?? before.name,
    options: input.options ?? before.options,
    position: input.position ?? before.position,
  };
  const changes = diffFields(before, next, ["name", "options", "position"]);
  if (changes.length === 0) return before;
  return ctx.db.$transaction(async (tx) => {
    const field = await tx.ticketField.update({ where: { id: before.id }, data: next });
    await publish(
      tx,
      ticketingEvent(
        "ticket_field.updated",
        { workspaceId: field.workspaceId, organisationId: access.organisationId },
        ctx.actor,
        fieldTarget(field),
        changes,
        { fieldId: field.id },
      ),
    );
    return field;
  });
}

/** The field goes, and so do its values; the tickets stay. */
export async function deleteTicketField(args: MutationDeleteTicketFieldArgs, ctx: TicketingContext): Promise<string> {
  const { field, access } = await loadField(ctx, args.id, "ticket_fields:delete");
  return ctx.db.$transaction(async (tx) => {
    const ticketsAffected = await tx.$executeRaw`
      UPDATE ticket SET field_values = field_values - ${field.id}, updated_at = now()
      WHERE workspace_id = ${field.workspaceId}::uuid AND field_values ? ${field.id}`;
    await tx.ticketField.delete({ where: { id: field.id } });
    await publish(
      tx,
      ticketingEvent(
        "ticket_field.deleted",
        { workspaceId: field.workspaceId, organisationId: access.organisationId },
        ctx.actor,
        fieldTarget(field),
        (["name", "type", "options"] as const).map((f) => ({ field: f, old: field[f], new: null })),
        { fieldId: field.id, ticketsAffected },
      ),
    );
    return field.id;
  });
}
