import { z } from "zod";
import { defineEvents } from "./define.js";

const uuid = z.string().uuid();
const ticketData = z.object({ ticketId: uuid, number: z.number().int() });
const replyData = ticketData.extend({ replyId: uuid, internal: z.boolean() });
const fieldData = z.object({ fieldId: uuid });

/**
 * Events the ticketing service publishes. Old -> new values travel in the envelope's `changes`;
 * `data` holds what consumers key on.
 */
export const ticketingEvents = defineEvents({
  "ticket.created": {
    version: 1,
    category: "ticket",
    targetType: "ticket",
    producer: "ticketing",
    description: "A ticket was opened; `changes` lists every initial value.",
    data: ticketData,
  },
  "ticket.updated": {
    version: 1,
    category: "ticket",
    targetType: "ticket",
    producer: "ticketing",
    description: "A ticket's title, description or custom field values changed.",
    data: ticketData,
  },
  "ticket.status_changed": {
    version: 1,
    category: "ticket",
    targetType: "ticket",
    producer: "ticketing",
    description: "A ticket's status changed (solving or closing stops its SLA clock).",
    data: ticketData.extend({ status: z.string() }),
  },
  "ticket.priority_changed": {
    version: 1,
    category: "ticket",
    targetType: "ticket",
    producer: "ticketing",
    description: "A ticket's priority changed.",
    data: ticketData.extend({ priority: z.string() }),
  },
  "ticket.assigned": {
    version: 1,
    category: "ticket",
    targetType: "ticket",
    producer: "ticketing",
    description: "A ticket's assignee and/or team changed (either may be cleared).",
    data: ticketData.extend({ assigneeId: uuid.nullable(), teamId: uuid.nullable() }),
  },
  "ticket.deleted": {
    version: 1,
    category: "ticket",
    targetType: "ticket",
    producer: "ticketing",
    description: "A ticket and its replies were deleted.",
    data: ticketData,
  },
  "ticket.reply_added": {
    version: 1,
    category: "ticket",
    targetType: "ticket",
    producer: "ticketing",
    description:
      "A public reply or internal note was added; one drafted by an API key waits for approval. `changes` carries a public reply's `body`, never an internal note's text.",
    data: replyData.extend({ status: z.enum(["PUBLISHED", "PENDING_APPROVAL"]) }),
  },
  "ticket.reply_approved": {
    version: 1,
    category: "ticket",
    targetType: "ticket",
    producer: "ticketing",
    description: "A drafted reply was approved and published.",
    data: replyData,
  },
  "ticket.reply_rejected": {
    version: 1,
    category: "ticket",
    targetType: "ticket",
    producer: "ticketing",
    description: "A drafted reply was rejected and discarded, with a reason.",
    data: replyData.extend({ reason: z.string() }),
  },
  "ticket_field.created": {
    version: 1,
    category: "ticket_field",
    targetType: "ticket_field",
    producer: "ticketing",
    description: "A custom ticket field was defined.",
    data: fieldData,
  },
  "ticket_field.updated": {
    version: 1,
    category: "ticket_field",
    targetType: "ticket_field",
    producer: "ticketing",
    description: "A custom ticket field was renamed, reordered or given other options.",
    data: fieldData,
  },
  "ticket_field.deleted": {
    version: 1,
    category: "ticket_field",
    targetType: "ticket_field",
    producer: "ticketing",
    description: "A custom ticket field was removed; its values were dropped from the tickets.",
    data: fieldData.extend({ ticketsAffected: z.number().int() }),
  },
  "sla.policy_updated": {
    version: 1,
    category: "sla",
    targetType: "workspace",
    producer: "ticketing",
    description: "A workspace's SLA policy changed; tickets opened from now on follow it.",
    data: z.object({ workspaceId: uuid }),
  },
  "sla.warning": {
    version: 1,
    category: "sla",
    targetType: "ticket",
    producer: "ticketing",
    description: "A ticket's SLA due time is near; sent once, to the recipient of the policy.",
    data: ticketData.extend({ dueAt: z.string(), recipientUserId: uuid.nullable() }),
  },
  "sla.breached": {
    version: 1,
    category: "sla",
    targetType: "ticket",
    producer: "ticketing",
    description:
      "A ticket passed its SLA due time unsolved; recorded once. `recipientUserId`: who is told, by the policy's recipient rule (absent in events before issue 22).",
    data: ticketData.extend({
      dueAt: z.string(),
      breachedAt: z.string(),
      recipientUserId: uuid.nullable().optional(),
    }),
  },
  "notification.created": {
    version: 1,
    category: "notification",
    targetType: "ticket",
    producer: "ticketing",
    description:
      "Someone was told about a ticket (an SLA warning or breach, or an assignment to them): the in-app notification was stored; identity mails it once.",
    data: ticketData.extend({
      notificationId: uuid,
      recipientUserId: uuid,
      kind: z.enum(["SLA_WARNING", "SLA_BREACHED", "TICKET_ASSIGNED"]),
      title: z.string(),
      dueAt: z.string().nullable(),
    }),
  },
  "workspace_data.purged_by_ticketing": {
    version: 1,
    category: "workspace_data",
    targetType: "workspace",
    producer: "ticketing",
    description:
      "The ticketing service removed its data of a deleted workspace (tickets, replies, fields, SLA policy and timers); workspaceDeletion shows the progress.",
    data: z.object({ rows: z.number().int().min(0).describe("rows removed") }),
  },
});
