import { notFound, unauthenticated } from "@support/errors";
import type { TicketingContext } from "../context.js";
import type { Ticket } from "../db/generated/client.js";

export const resolvers = {
  Query: {
    tickets: async (_: unknown, args: { workspaceId: string }, ctx: TicketingContext) => {
      if (ctx.actor.kind === "anonymous") throw unauthenticated();
      await ctx.permissions.require(args.workspaceId, "tickets:list");
      return ctx.db.ticket.findMany({
        where: { workspaceId: args.workspaceId },
        orderBy: { number: "desc" },
        take: 100,
      });
    },
  },
  Ticket: {
    __resolveReference: async (ref: { id: string }, ctx: TicketingContext) => {
      const ticket = await ctx.db.ticket.findUnique({ where: { id: ref.id } });
      if (!ticket || ctx.actor.kind === "anonymous") throw notFound("Ticket");
      // Visibility is decided by the workspace: one the caller cannot see makes the ticket NOT_FOUND.
      await ctx.permissions.require(ticket.workspaceId, "tickets:view");
      return ticket;
    },
    createdAt: (ticket: Ticket) => ticket.createdAt.toISOString(),
  },
};
