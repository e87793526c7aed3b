import { pagingWindow } from "@support/service-kit";
import { z } from "zod";
import { badUserInput, invalidInput, notFound } from "@support/errors";
import { createEvent, diffFields, type FieldChange, type TypedEvent } from "@support/events";
import { connectionOf, descriptionText, instantText, parseInput, singleLineText } from "@support/validation";
import type { TicketingContext } from "../context.js";
import type { Tx } from "../db/client.js";
import type { Prisma, Ticket } from "../db/generated/client.js";
import { findTickets, nextTicketNumber, TICKET_COLUMNS } from "../db/tickets.js";
import { applyFieldValues, type FieldDefinition, type FieldValueInput, type StoredValue } from "../domain/fields.js";
import {
  priorityRank,
  slaTimes,
  stopsSlaClock,
  TICKET_PRIORITIES,
  TICKET_SORTS,
  TICKET_STATUSES,
  ticketCursorCodec,
  ticketCursorOf,
  type TicketPriority,
  type TicketSort,
  type TicketStatus,
} from "../domain/tickets.js";
import { assignmentRecipient } from "../domain/notifications.js";
import { storeNotifications } from "../events/notifications.js";
import { publish, publishEvents, ticketingEvent, ticketTarget } from "../events/publish.js";
import { actorUserId, requirePermission, visibleTicket, workspaceAccess } from "./access.js";
import type {
  MutationAssignTicketArgs,
  MutationChangeTicketPriorityArgs,
  MutationChangeTicketStatusArgs,
  MutationCreateTicketArgs,
  MutationDeleteTicketArgs,
  MutationUpdateTicketArgs,
  QueryTicketArgs,
  QueryTicketsArgs,
} from "../generated/graphql.js";

export const ticketTitle = singleLineText({ max: 200 });
const uuid = z.string().uuid("must be an id");
const fieldValueInput = z.object({
  fieldId: z.string(),
  text: z.string().nullish(),
  number: z.number().nullish(),
  boolean: z.boolean().nullish(),
  date: z.string().nullish(),
  option: z.string().nullish(),
});
const fieldValues = z.array(fieldValueInput).max(100, "at most 100 values at once");

const createInput = z.object({
  title: ticketTitle,
  description: descriptionText().nullish(),
  priority: z.enum(TICKET_PRIORITIES).nullish(),
  assigneeId: uuid.nullish(),
  teamId: uuid.nullish(),
  fieldValues: fieldValues.nullish(),
});
const updateInput = z.object({
  title: ticketTitle.nullish(),
  description: descriptionText().nullish(),
  fieldValues: fieldValues.nullish(),
});

const storedValues = (ticket: Pick<Ticket, "fieldValues">): Record<string, StoredValue> =>
  (ticket.fieldValues ?? {}) as Record<string, StoredValue>;

async function fieldDefinitions(ctx: TicketingContext, workspaceId: string): Promise<Map<string, FieldDefinition>> {
  const fields = await ctx.fields.load(workspaceId);
  return new Map(fields.map((f) => [f.id, f]));
}

async function checkedFieldValues(
  ctx: TicketingContext,
  workspaceId: string,
  current: Record<string, StoredValue>,
  inputs: FieldValueInput[],
): Promise<Record<string, StoredValue>> {
  const result = applyFieldValues(current, inputs, await fieldDefinitions(ctx, workspaceId));
  if (!result.ok) throw invalidInput([{ path: result.path.split("."), message: result.message }], ["input"]);
  return result.values;
}

/** An assignee must be a member of the ticket's workspace and a team an active team of it. */
/** `at`: where assigneeId and teamId sit among the arguments (`input.` in createTicket). */
async function checkAssignment(
  ctx: TicketingContext,
  workspaceId: string,
  assigneeId: string | null,
  teamId: string | null,
  at = "",
): Promise<void> {
  if (!assigneeId && !teamId) return;
  const found = await ctx.assignees.check(workspaceId, assigneeId ? [assigneeId] : [], teamId ? [teamId] : []);
  if (assigneeId && !found.memberIds.includes(assigneeId))
    throw badUserInput("assigneeId: not a member of this workspace", `${at}assigneeId`);
  if (teamId && !found.activeTeamIds.includes(teamId))
    throw badUserInput("teamId: not an active team of this workspace", `${at}teamId`);
}

/** Re-reads a ticket under a row lock: concurrent edits serialize and events carry the values replaced. */
async function lockTicket(tx: Tx, id: string): Promise<Ticket> {
  const [ticket] = await tx.$queryRaw<Ticket[]>`SELECT ${TICKET_COLUMNS} FROM ticket WHERE id = ${id}::uuid FOR UPDATE`;
  if (!ticket) throw notFound("Ticket");
  return ticket;
}

export async function createTicket(args: MutationCreateTicketArgs, ctx: TicketingContext) {
  const { access } = await workspaceAccess(ctx, args.workspaceId);
  requirePermission(access, "tickets:create");
  const input = parseInput(createInput, args.input, ["input"]);
  const assigneeId = input.assigneeId ?? null;
  const teamId = input.teamId ?? null;
  if (assigneeId || teamId) requirePermission(access, "tickets:assign");
  if (input.fieldValues?.length) requirePermission(access, "ticket_fields:edit_values");
  const values = input.fieldValues?.length
    ? await checkedFieldValues(ctx, args.workspaceId, {}, input.fieldValues)
    : {};
  await checkAssignment(ctx, args.workspaceId, assigneeId, teamId, "input.");
  const priority: TicketPriority = input.priority ?? "NORMAL";
  const policy = await ctx.db.slaPolicy.findUnique({ where: { workspaceId: args.workspaceId } });
  // The counter row's lock is taken last and held only for the insert: concurrent creations queue there.
  return ctx.db.$transaction(
    async (tx) => {
      const number = await nextTicketNumber(tx, args.workspaceId);
      const openedAt = new Date();
      const sla = slaTimes(policy, openedAt);
      const ticket = await tx.ticket.create({
        data: {
          workspaceId: args.workspaceId,
          organisationId: access.organisationId,
          number,
          title: input.title,
          description: input.description ?? "",
          priority,
          priorityRank: priorityRank(priority),
          creatorId: actorUserId(ctx),
          creatorApiKeyId: ctx.actor.kind === "apiKey" ? ctx.actor.apiKeyId : null,
          assigneeId,
          teamId,
          fieldValues: values,
          slaDueAt: sla?.dueAt ?? null,
          slaWarnAt: sla?.warnAt ?? null,
          createdAt: openedAt,
        },
      });
      const initial: FieldChange[] = (
        ["title", "description", "status", "priority", "assigneeId", "teamId", "fieldValues"] as const
      ).map((field) => ({ field, old: null, new: ticket[field] }));
      initial.push({ field: "slaDueAt", old: null, new: ticket.slaDueAt?.toISOString() ?? null });
      const created = createEvent(
        ticketingEvent("ticket.created", scopeOf(ticket), ctx.actor, ticketTarget(ticket), initial, {
          ticketId: ticket.id,
          number: ticket.number,
        }),
      );
      // Opening a ticket for someone else assigns it to them: they are told, as by assignTicket.
      await publishEvents(tx, [
        created,
        ...(await notifyAssignee(tx, null, ticket, actorUserId(ctx), created.id, openedAt)),
      ]);
      return ticket;
    },
    // Waiting for a pooled connection or the counter's lock is queueing, not failure.
    { maxWait: 10_000, timeout: 20_000 },
  );
}

const scopeOf = (ticket: Ticket) => ({
  workspaceId: ticket.workspaceId,
  organisationId: ticket.organisationId,
});

export async function updateTicket(args: MutationUpdateTicketArgs, ctx: TicketingContext) {
  const { ticket: loaded, access } = await visibleTicket(ctx, args.id);
  const input = parseInput(updateInput, args.input, ["input"]);
  const editsText = Boolean(input.title) || typeof input.description === "string";
  const editsValues = Array.isArray(input.fieldValues);
  if (editsText || !editsValues) requirePermission(access, "tickets:edit");
  if (editsValues) requirePermission(access, "ticket_fields:edit_values");
  const definitions = input.fieldValues?.length ? await fieldDefinitions(ctx, loaded.workspaceId) : null;
  return ctx.db.$transaction(async (tx) => {
    const before = await lockTicket(tx, loaded.id);
    let values = storedValues(before);
    if (input.fieldValues?.length && definitions) {
      const result = applyFieldValues(values, input.fieldValues, definitions);
      if (!result.ok) throw invalidInput([{ path: result.path.split("."), message: result.message }], ["input"]);
      values = result.values;
    }
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
    const ticket = await tx.ticket.update({
      where: { id: before.id },
      data: { ...next, fieldValues: values as Prisma.InputJsonObject },
    });
    await publish(
      tx,
      ticketingEvent("ticket.updated", scopeOf(ticket), ctx.actor, ticketTarget(ticket), changes, {
        ticketId: ticket.id,
        number: ticket.number,
      }),
    );
    return ticket;
  });
}

const statusInput = z.object({ status: z.enum(TICKET_STATUSES) });
const priorityInput = z.object({ priority: z.enum(TICKET_PRIORITIES) });
const assignInput = z.object({ assigneeId: uuid.nullish(), teamId: uuid.nullish() });

export async function changeTicketStatus(args: MutationChangeTicketStatusArgs, ctx: TicketingContext) {
  const { status } = parseInput(statusInput, args.input, ["input"]);
  const { ticket: loaded, access } = await visibleTicket(ctx, args.id);
  const permissionFor = (from: TicketStatus) =>
    stopsSlaClock(status) || stopsSlaClock(from) ? "tickets:close" : "tickets:edit";
  requirePermission(access, permissionFor(loaded.status));
  return ctx.db.$transaction(async (tx) => {
    const before = await lockTicket(tx, loaded.id);
    requirePermission(access, permissionFor(before.status));
    if (before.status === status) return before;
    const ticket = await tx.ticket.update({ where: { id: before.id }, data: { status } });
    await publish(
      tx,
      ticketingEvent(
        "ticket.status_changed",
        scopeOf(ticket),
        ctx.actor,
        ticketTarget(ticket),
        [{ field: "status", old: before.status, new: status }],
        { ticketId: ticket.id, number: ticket.number, status },
      ),
    );
    return ticket;
  });
}

export async function changeTicketPriority(args: MutationChangeTicketPriorityArgs, ctx: TicketingContext) {
  const { priority } = parseInput(priorityInput, args.input, ["input"]);
  const { ticket: loaded } = await visibleTicket(ctx, args.id, "tickets:change_priority");
  return ctx.db.$transaction(async (tx) => {
    const before = await lockTicket(tx, loaded.id);
    if (before.priority === priority) return before;
    const ticket = await tx.ticket.update({
      where: { id: before.id },
      data: { priority, priorityRank: priorityRank(priority) },
    });
    await publish(
      tx,
      ticketingEvent(
        "ticket.priority_changed",
        scopeOf(ticket),
        ctx.actor,
        ticketTarget(ticket),
        [{ field: "priority", old: before.priority, new: priority }],
        { ticketId: ticket.id, number: ticket.number, priority },
      ),
    );
    return ticket;
  });
}

/**
 * The new assignee's in-app notification and its event, in the assignment's transaction
 * (`sourceEventId`: the assignment's own event). Nobody is told of a self-assignment, of a
 * team-only assignment or of an unchanged assignee (domain/notifications.ts).
 */
async function notifyAssignee(
  tx: Tx,
  before: Pick<Ticket, "assigneeId"> | null,
  ticket: Ticket,
  actor: string | null,
  sourceEventId: string,
  now: Date,
): Promise<TypedEvent[]> {
  const recipientUserId = assignmentRecipient(before, ticket, actor);
  if (!recipientUserId) return [];
  return storeNotifications(
    tx,
    [
      {
        ...scopeOf(ticket),
        recipientUserId,
        kind: "TICKET_ASSIGNED",
        ticketId: ticket.id,
        ticketNumber: ticket.number,
        title: ticket.title,
        dueAt: ticket.slaDueAt,
        sourceEventId,
      },
    ],
    now,
  );
}

export async function assignTicket(args: MutationAssignTicketArgs, ctx: TicketingContext) {
  const { ticket: loaded } = await visibleTicket(ctx, args.id, "tickets:assign");
  const ids = parseInput(assignInput, args.input, ["input"]);
  const assigneeId = ids.assigneeId ?? null;
  const teamId = ids.teamId ?? null;
  await checkAssignment(ctx, loaded.workspaceId, assigneeId, teamId, "input.");
  return ctx.db.$transaction(async (tx) => {
    const before = await lockTicket(tx, loaded.id);
    const changes = diffFields(before, { assigneeId, teamId }, ["assigneeId", "teamId"]);
    if (changes.length === 0) return before;
    const ticket = await tx.ticket.update({ where: { id: before.id }, data: { assigneeId, teamId } });
    const assigned = createEvent(
      ticketingEvent("ticket.assigned", scopeOf(ticket), ctx.actor, ticketTarget(ticket), changes, {
        ticketId: ticket.id,
        number: ticket.number,
        assigneeId,
        teamId,
      }),
    );
    await publishEvents(tx, [
      assigned,
      ...(await notifyAssignee(tx, before, ticket, actorUserId(ctx), assigned.id, ticket.updatedAt)),
    ]);
    return ticket;
  });
}

export async function deleteTicket(args: MutationDeleteTicketArgs, ctx: TicketingContext): Promise<string> {
  const { ticket: loaded } = await visibleTicket(ctx, args.id, "tickets:delete");
  return ctx.db.$transaction(async (tx) => {
    const before = await lockTicket(tx, loaded.id);
    await tx.ticket.delete({ where: { id: before.id } });
    await publish(
      tx,
      ticketingEvent(
        "ticket.deleted",
        scopeOf(before),
        ctx.actor,
        ticketTarget(before),
        (["title", "status", "priority", "assigneeId", "teamId"] as const).map((field) => ({
          field,
          old: before[field],
          new: null,
        })),
        { ticketId: before.id, number: before.number },
      ),
    );
    return before.id;
  });
}

export async function getTicket(args: QueryTicketArgs, ctx: TicketingContext): Promise<Ticket> {
  return (await visibleTicket(ctx, args.id, "tickets:view")).ticket;
}

// Within what timestamptz holds: year 0000 or 10000 is BAD_USER_INPUT, not a database error (the
// DateTime scalar has refused what is not an instant at all, 2024-02-30 say).
const isoTime = instantText();
const listArgs = z.object({
  filter: z
    .object({
      status: z.array(z.enum(TICKET_STATUSES)).nullish(),
      priority: z.array(z.enum(TICKET_PRIORITIES)).nullish(),
      assigneeId: uuid.nullish(),
      teamId: uuid.nullish(),
      unassigned: z.boolean().nullish(),
      creatorId: uuid.nullish(),
      createdFrom: isoTime.nullish(),
      createdTo: isoTime.nullish(),
      updatedFrom: isoTime.nullish(),
      updatedTo: isoTime.nullish(),
      slaState: z.enum(["DUE_SOON", "BREACHED"]).nullish(),
      text: singleLineText({ max: 200 }).nullish(),
    })
    .nullish(),
  sort: z.enum(TICKET_SORTS).nullish(),
  direction: z.enum(["ASC", "DESC"]).nullish(),
});

const date = (value: string | null | undefined) => (value ? new Date(value) : null);

export async function listTickets(args: QueryTicketsArgs, ctx: TicketingContext) {
  const { access, scope } = await workspaceAccess(ctx, args.workspaceId);
  requirePermission(access, "tickets:list");
  const { filter, ...order } = parseInput(listArgs, {
    filter: args.filter,
    sort: args.sort,
    direction: args.direction,
  });
  const sort: TicketSort = order.sort ?? "CREATED_AT";
  const descending = (order.direction ?? (sort === "SLA_DUE_AT" ? "ASC" : "DESC")) === "DESC";
  // A cursor is a place in one sort's order: another sort's is refused naming its argument.
  const codec = ticketCursorCodec(sort);
  const window = pagingWindow(args, codec);
  const rows = await findTickets(ctx.db, {
    workspaceId: args.workspaceId,
    scope,
    statuses: filter?.status,
    priorities: filter?.priority,
    assigneeId: filter?.assigneeId,
    teamId: filter?.teamId,
    unassigned: filter?.unassigned,
    creatorId: filter?.creatorId,
    createdFrom: date(filter?.createdFrom),
    createdTo: date(filter?.createdTo),
    updatedFrom: date(filter?.updatedFrom),
    updatedTo: date(filter?.updatedTo),
    slaState: filter?.slaState,
    text: filter?.text || null,
    sort,
    descending,
    from: window.from,
    backward: window.backward,
    limit: window.size + 1,
  });
  const page = connectionOf(rows, window, (ticket) => ticketCursorOf(sort, ticket), codec);
  for (const ticket of page.nodes) ctx.tickets.prime(ticket.id, ticket);
  return page;
}
