import { subgraphCodegen } from "@support/service-kit/codegen";

export default subgraphCodegen({
  schema: "src/schema/ticketing.graphql",
  context: "../context.js#TicketingContext",
  mappers: {
    Ticket: "../db/generated/client.js#Ticket",
    TicketReply: "../db/generated/client.js#TicketReply",
    Notification: "../db/generated/client.js#Notification",
    Workspace: "{ id: string }",
  },
});
