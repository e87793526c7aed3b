import type { Resolvers } from "../generated/graphql.js";
import { addTicketReply } from "./Mutation/addTicketReply.js";
import { approveReply } from "./Mutation/approveReply.js";
import { assignTicket } from "./Mutation/assignTicket.js";
import { changeTicketPriority } from "./Mutation/changeTicketPriority.js";
import { changeTicketStatus } from "./Mutation/changeTicketStatus.js";
import { createTicket } from "./Mutation/createTicket.js";
import { createTicketField } from "./Mutation/createTicketField.js";
import { deleteTicket } from "./Mutation/deleteTicket.js";
import { deleteTicketField } from "./Mutation/deleteTicketField.js";
import { importTickets } from "./Mutation/importTickets.js";
import { markNotificationsRead } from "./Mutation/markNotificationsRead.js";
import { rejectReply } from "./Mutation/rejectReply.js";
import { updateSlaPolicy } from "./Mutation/updateSlaPolicy.js";
import { updateTicket } from "./Mutation/updateTicket.js";
import { updateTicketField } from "./Mutation/updateTicketField.js";
import { notifications } from "./Query/notifications.js";
import { ticket } from "./Query/ticket.js";
import { ticketFields } from "./Query/ticketFields.js";
import { tickets } from "./Query/tickets.js";
import { Notification } from "./Notification.js";
import { SlaPolicy } from "./SlaPolicy.js";
import { Ticket } from "./Ticket.js";
import { TicketReply } from "./TicketReply.js";
import { Workspace } from "./Workspace.js";

export const resolvers: Resolvers = {
  Query: { ticket, tickets, ticketFields, notifications },
  Mutation: {
    createTicket,
    updateTicket,
    changeTicketStatus,
    changeTicketPriority,
    assignTicket,
    deleteTicket,
    addTicketReply,
    approveReply,
    rejectReply,
    createTicketField,
    updateTicketField,
    deleteTicketField,
    updateSlaPolicy,
    importTickets,
    markNotificationsRead,
  },
  Ticket,
  TicketReply,
  Notification,
  SlaPolicy,
  Workspace,
};
