import { visibleTicket } from "../authorization.js";
import { pageInMemory } from "@support/service-kit";
import { fieldValueOf, storedValues } from "../domain/fields.js";
import {
  compareFieldKeys,
  compareReplyKeys,
  fieldCursorCodec,
  fieldKeyOf,
  replyCursorCodec,
  replyKeyOf,
} from "../domain/tickets.js";
import type { TicketResolvers } from "../generated/graphql.js";
import { userReference } from "./User.js";

export const Ticket: TicketResolvers = {
  /** Batched through the per-request loader; outside the caller's scope answers as missing. */
  __resolveReference: async (ref, ctx) => (await visibleTicket(ctx, ref.id, "tickets:view")).ticket,
  assignee: (ticket) => userReference(ticket.assigneeId),
  team: (ticket) => (ticket.teamId ? { __typename: "Team", id: ticket.teamId } : null),
  creator: (ticket) => userReference(ticket.creatorId),
  /** In the fields' order, keyed (and paged) by the field; the workspace's fields come through the batched loader. */
  fieldValues: async (ticket, args, ctx) => {
    const values = storedValues(ticket);
    const fields = Object.keys(values).length === 0 ? [] : await ctx.fields.load(ticket.workspaceId);
    const valued = fields.filter((field) => field.id in values).map((field) => fieldValueOf(field, values[field.id]!));
    return pageInMemory(valued, args, {
      codec: fieldCursorCodec,
      keyOf: (value) => fieldKeyOf(value.field),
      compare: compareFieldKeys,
    });
  },
  /** Oldest first; every ticket of a page reads its replies in one batched query. */
  replies: async (ticket, args, ctx) =>
    pageInMemory(await ctx.replies.load(ticket.id), args, {
      codec: replyCursorCodec,
      keyOf: replyKeyOf,
      compare: compareReplyKeys,
    }),
};
