import { importTickets } from "./import.js";
import { unauthenticated } from "@support/errors";
import type { TicketingContext } from "../context.js";
import type { PagingArguments } from "@support/validation";
import type { Ticket, TicketReply } from "../db/generated/client.js";
import type { StoredValue, TicketFieldType } from "../domain/fields.js";
import {
  compareFieldKeys,
  compareReplyKeys,
  fieldCursorCodec,
  fieldKeyOf,
  replyCursorCodec,
  replyKeyOf,
  SLA_PRESET_HOURS,
} from "../domain/tickets.js";
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
import { listNotifications, markNotificationsRead, NotificationResolvers } from "./notifications.js";
import { pageOfList } from "./paging.js";

type Ctx = TicketingContext;
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
    tickets: (_: unknown, args: PagingArguments & Record<string, unknown> & { workspaceId: string }, ctx: Ctx) =>
      listTickets(args, ctx),
    ticketFields: (_: unknown, args: PagingArguments & { workspaceId: string }, ctx: Ctx) =>
      listTicketFields(args, ctx),
    notifications: (_: unknown, args: PagingArguments & { unreadOnly?: unknown }, ctx: Ctx) =>
      listNotifications(args, ctx),
  },
  Mutation: {
    importTickets: (_: unknown, args: { workspaceId: string; csv: unknown; mapping: unknown }, ctx: TicketingContext) =>
      importTickets(args, ctx),
    createTicket: (_: unknown, args: { workspaceId: string; input: unknown }, ctx: Ctx) => createTicket(args, ctx),
    updateTicket: (_: unknown, args: { id: string; input: unknown }, ctx: Ctx) => updateTicket(args, ctx),
    changeTicketStatus: (_: unknown, args: { id: string; input: unknown }, ctx: Ctx) => changeTicketStatus(args, ctx),
    changeTicketPriority: (_: unknown, args: { id: string; input: unknown }, ctx: Ctx) =>
      changeTicketPriority(args, ctx),
    assignTicket: (_: unknown, args: { id: string; input: unknown }, ctx: Ctx) => assignTicket(args, ctx),
    deleteTicket: (_: unknown, args: { id: string }, ctx: Ctx) => deleteTicket(args, ctx),
    addTicketReply: (_: unknown, args: { ticketId: string; input: unknown }, ctx: Ctx) => addTicketReply(args, ctx),
    approveReply: (_: unknown, args: { id: string }, ctx: Ctx) => approveReply(args, ctx),
    rejectReply: (_: unknown, args: { id: string; input: unknown }, ctx: Ctx) => rejectReply(args, ctx),
    createTicketField: (_: unknown, args: { workspaceId: string; input: unknown }, ctx: Ctx) =>
      createTicketField(args, ctx),
    updateTicketField: (_: unknown, args: { id: string; input: unknown }, ctx: Ctx) => updateTicketField(args, ctx),
    deleteTicketField: (_: unknown, args: { id: string }, ctx: Ctx) => deleteTicketField(args, ctx),
    updateSlaPolicy: (_: unknown, args: { workspaceId: string; input: unknown }, ctx: Ctx) =>
      updateSlaPolicy(args, ctx),
    markNotificationsRead: (_: unknown, args: { input: unknown }, ctx: Ctx) => markNotificationsRead(args, ctx),
  },
  Notification: NotificationResolvers,
  Ticket: {
    /** Batched through the per-request loader; outside the caller's scope answers as missing. */
    __resolveReference: async (ref: { id: string }, ctx: Ctx) =>
      (await visibleTicket(ctx, ref.id, "tickets:view")).ticket,
    assignee: (ticket: Ticket) => user(ticket.assigneeId),
    team: (ticket: Ticket) => (ticket.teamId ? { __typename: "Team", id: ticket.teamId } : null),
    creator: (ticket: Ticket) => user(ticket.creatorId),
    /** In the fields' order, keyed (and paged) by the field; the workspace's fields come through the batched loader. */
    fieldValues: async (ticket: Ticket, args: PagingArguments, ctx: Ctx) => {
      const values = (ticket.fieldValues ?? {}) as Record<string, StoredValue>;
      const fields = Object.keys(values).length === 0 ? [] : await ctx.fields.load(ticket.workspaceId);
      const valued = fields
        .filter((field) => field.id in values)
        .map((field) => ({ field, [VALUE_MEMBER[field.type]]: values[field.id] }));
      return pageOfList(valued, args, {
        codec: fieldCursorCodec,
        keyOf: (value) => fieldKeyOf(value.field),
        compare: compareFieldKeys,
      });
    },
    /** Oldest first; every ticket of a page reads its replies in one batched query. */
    replies: async (ticket: Ticket, args: PagingArguments, ctx: Ctx) =>
      pageOfList(await ctx.replies.load(ticket.id), args, {
        codec: replyCursorCodec,
        keyOf: replyKeyOf,
        compare: compareReplyKeys,
      }),
  },
  SlaPolicy: {
    presetHours: () => SLA_PRESET_HOURS,
  },
  TicketReply: {
    author: (reply: TicketReply) => user(reply.authorUserId),
    decidedBy: (reply: TicketReply) => user(reply.decidedBy),
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
