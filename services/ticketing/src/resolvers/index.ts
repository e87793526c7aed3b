import { importTickets } from "./import.js";
import { unauthenticated } from "@support/errors";
import type { TicketingContext } from "../context.js";
import type { SlaPolicy, Ticket, TicketField, TicketReply } from "../db/generated/client.js";
import type { StoredValue, TicketFieldType } from "../domain/fields.js";
import { visibleTicket, workspaceAccess } from "./access.js";
import {
  assignTicket,
  changeTicketPriority,
  changeTicketStatus,
  createTicket,
  deleteTicket,
  getTicket,
  listTickets,
  updateTicket,
} from "./tickets.js";
import { createTicketField, deleteTicketField, listTicketFields, updateTicketField } from "./fields.js";
import { addTicketReply, approveReply, rejectReply } from "./replies.js";
import { slaPolicyOf, updateSlaPolicy } from "./sla.js";

type Ctx = TicketingContext;
const iso = (date: Date | null | undefined) => date?.toISOString() ?? null;
const user = (id: string | null) => (id ? { __typename: "User", id } : null);

const VALUE_MEMBER: Record<TicketFieldType, "text" | "number" | "boolean" | "date" | "option"> = {
  TEXT: "text",
  NUMBER: "number",
  BOOLEAN: "boolean",
  DATE: "date",
  SINGLE_SELECT: "option",
};

export const resolvers = {
  Query: {
    ticket: (_: unknown, args: { id: string }, ctx: Ctx) => getTicket(args, ctx),
    tickets: (_: unknown, args: Record<string, unknown> & { workspaceId: string }, ctx: Ctx) => listTickets(args, ctx),
    ticketFields: (_: unknown, args: { workspaceId: string }, ctx: Ctx) => listTicketFields(args.workspaceId, ctx),
  },
  Mutation: {
    importTickets: (_: unknown, args: { workspaceId: string; csv: unknown; mapping: unknown }, ctx: TicketingContext) =>
      importTickets(args, ctx),
    createTicket: (_: unknown, args: { workspaceId: string; input: unknown }, ctx: Ctx) => createTicket(args, ctx),
    updateTicket: (_: unknown, args: { id: string; input: unknown }, ctx: Ctx) => updateTicket(args, ctx),
    changeTicketStatus: (_: unknown, args: { id: string; status: string }, ctx: Ctx) => changeTicketStatus(args, ctx),
    changeTicketPriority: (_: unknown, args: { id: string; priority: string }, ctx: Ctx) =>
      changeTicketPriority(args, ctx),
    assignTicket: (_: unknown, args: { id: string; assigneeId?: string | null; teamId?: string | null }, ctx: Ctx) =>
      assignTicket(args, ctx),
    deleteTicket: (_: unknown, args: { id: string }, ctx: Ctx) => deleteTicket(args, ctx),
    addTicketReply: (_: unknown, args: { ticketId: string; input: unknown }, ctx: Ctx) => addTicketReply(args, ctx),
    approveReply: (_: unknown, args: { id: string }, ctx: Ctx) => approveReply(args, ctx),
    rejectReply: (_: unknown, args: { id: string; reason: string }, ctx: Ctx) => rejectReply(args, ctx),
    createTicketField: (_: unknown, args: { workspaceId: string; input: unknown }, ctx: Ctx) =>
      createTicketField(args, ctx),
    updateTicketField: (_: unknown, args: { id: string; input: unknown }, ctx: Ctx) => updateTicketField(args, ctx),
    deleteTicketField: (_: unknown, args: { id: string }, ctx: Ctx) => deleteTicketField(args, ctx),
    updateSlaPolicy: (_: unknown, args: { workspaceId: string; input: unknown }, ctx: Ctx) =>
      updateSlaPolicy(args, ctx),
  },
  Ticket: {
    /** Batched through the per-request loader; outside the caller's scope answers as missing. */
    __resolveReference: async (ref: { id: string }, ctx: Ctx) =>
      (await visibleTicket(ctx, ref.id, "tickets:view")).ticket,
    assignee: (ticket: Ticket) => user(ticket.assigneeId),
    team: (ticket: Ticket) => (ticket.teamId ? { __typename: "Team", id: ticket.teamId } : null),
    creator: (ticket: Ticket) => user(ticket.creatorId),
    fieldValues: async (ticket: Ticket, _: unknown, ctx: Ctx) => {
      const values = (ticket.fieldValues ?? {}) as Record<string, StoredValue>;
      if (Object.keys(values).length === 0) return [];
      const fields = await ctx.fields.load(ticket.workspaceId);
      return fields
        .filter((field) => field.id in values)
        .map((field) => ({ field, [VALUE_MEMBER[field.type]]: values[field.id] }));
    },
    replies: (ticket: Ticket, _: unknown, ctx: Ctx) => ctx.replies.load(ticket.id),
    slaDueAt: (ticket: Ticket) => iso(ticket.slaDueAt),
    slaWarnedAt: (ticket: Ticket) => iso(ticket.slaWarnedAt),
    slaBreachedAt: (ticket: Ticket) => iso(ticket.slaBreachedAt),
    createdAt: (ticket: Ticket) => ticket.createdAt.toISOString(),
    updatedAt: (ticket: Ticket) => ticket.updatedAt.toISOString(),
  },
  TicketField: {
    createdAt: (field: TicketField) => field.createdAt.toISOString(),
    updatedAt: (field: TicketField) => field.updatedAt.toISOString(),
  },
  TicketReply: {
    author: (reply: TicketReply) => user(reply.authorUserId),
    decidedBy: (reply: TicketReply) => user(reply.decidedBy),
    decidedAt: (reply: TicketReply) => iso(reply.decidedAt),
    createdAt: (reply: TicketReply) => reply.createdAt.toISOString(),
  },
  SlaPolicy: {
    updatedAt: (policy: Pick<SlaPolicy, "updatedAt"> | { updatedAt: null }) => iso(policy.updatedAt),
  },
  Workspace: {
    __resolveReference: async (ref: { id: string }, ctx: Ctx) => {
      if (ctx.actor.kind === "anonymous") throw unauthenticated();
      await workspaceAccess(ctx, ref.id);
      return { id: ref.id };
    },
    slaPolicy: (workspace: { id: string }, _: unknown, ctx: Ctx) => slaPolicyOf(workspace.id, ctx),
  },
};
