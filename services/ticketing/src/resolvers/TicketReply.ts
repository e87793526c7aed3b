import type { TicketReplyResolvers } from "../generated/graphql.js";
import { userReference } from "./User.js";

export const TicketReply: TicketReplyResolvers = {
  author: (reply) => userReference(reply.authorUserId),
  decidedBy: (reply) => userReference(reply.decidedBy),
};
