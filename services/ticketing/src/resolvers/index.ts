import { importTickets } from "./import.js";
import { unauthenticated } from "@support/errors";
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
import type { Resolvers } from "../generated/graphql.js";

const user = (id: string | null) => (id ? { __typename: "User", id } : null);

const VALUE_MEMBER: Record<TicketFieldType, "text" | "number" | "boolean" | "date" | "option"> = {
  TEXT: "text",
  NUMBER: "number",
  BOOLEAN: "boolean",
  DATE: "date",
  SINGLE_SELECT: "option",
};

export const resolvers: Resolvers = {
  Query: {
    ticket: (_, args, ctx) => getTicket(args, ctx),
    tickets: (_, args, ctx) => listTickets(args, ctx),
    ticketFields: (_, args, ctx) => listTicketFields(args, ctx),
    notifications: (_, args, ctx) => listNotifications(args, ctx),
  },
  Mutation: {
    importTickets: (_, args, ctx) => importTickets(args, ctx),
    createTicket: (_, args, ctx) => createTicket(args, ctx),
    updateTicket: (_, args, ctx) => updateTicket(args, ctx),
    changeTicketStatus: (_, args, ctx) => changeTicketStatus(args, ctx),
    changeTicketPriority: (_, args, ctx) => changeTicketPriority(args, ctx),
    assignTicket: (_, args, ctx) => assignTicket(args, ctx),
    deleteTicket: (_, args, ctx) => deleteTicket(args, ctx),
    addTicketReply: (_, args, ctx) => addTicketReply(args, ctx),
    approveReply: (_, args, ctx) => approveReply(args, ctx),
    rejectReply: (_, args, ctx) => rejectReply(args, ctx),
    createTicketField: (_, args, ctx) => createTicketField(args, ctx),
    updateTicketField: (_, args, ctx) => updateTicketField(args, ctx),
    deleteTicketField: (_, args, ctx) => deleteTicketField(args, ctx),
    updateSlaPolicy: (_, args, ctx) => updateSlaPolicy(args, ctx),
    markNotificationsRead: (_, args, ctx) => markNotificationsRead(args, ctx),
  },
  Notification: NotificationResolvers,
  Ticket: {
    /** Batched through the per-request loader; outside the caller's scope answers as missing. */
    __resolveReference: async (ref, ctx) => (await visibleTicket(ctx, ref.id, "tickets:view")).ticket,
    assignee: (ticket) => user(ticket.assigneeId),
    team: (ticket) => (ticket.teamId ? { __typename: "Team", id: ticket.teamId } : null),
    creator: (ticket) => user(ticket.creatorId),
    /** In the fields' order, keyed (and paged) by the field; the workspace's fields come through the batched loader. */
    fieldValues: async (ticket, args, ctx) => {
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
    replies: async (ticket, args, ctx) =>
      pageOfList(await ctx.replies.load(ticket.id), args, {
        codec: replyCursorCodec,
        keyOf: replyKeyOf,
        compare: compareReplyKeys,
      }),
  },
  SlaPolicy: {
    presetHours: () => [...SLA_PRESET_HOURS],
  },
  TicketReply: {
    author: (reply) => user(reply.authorUserId),
    decidedBy: (reply) => user(reply.decidedBy),
  },
  Workspace: {
    __resolveReference: async (ref, ctx) => {
      if (ctx.actor.kind === "anonymous") throw unauthenticated();
      await workspaceAccess(ctx, ref.id);
      return { id: ref.id };
    },
    slaPolicy: (workspace, _, ctx) => slaPolicyOf(workspace.id, ctx),
  },
};
