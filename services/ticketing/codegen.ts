import { subgraphCodegen } from "@support/service-kit/codegen";

export default subgraphCodegen({
  schema: "src/schema/ticketing.graphql",
  context: "../context.js#TicketingContext",
  mappers: {
    Ticket: "../db/generated/client.js#Ticket",
    TicketField: "../db/generated/client.js#TicketField",
    TicketReply: "../db/generated/client.js#TicketReply",
    Notification: "../db/generated/client.js#Notification",
    // `totalCount` is counted only when asked for: the page carries the count to run.
    NotificationConnection: "../db/notifications.js#NotificationPage",
    // No row reads as the defaults; `presetHours` is the field resolver's.
    SlaPolicy: "../db/sla-policies.js#SlaPolicySettings",
    Workspace: "{ id: string }",
  },
});
