import type { EventType, TypedEvent } from "@support/events";

/**
 * What an auditor reads for each event type: a verb phrase about the entry's target. The record
 * is exhaustive over the typed event registry, so a new event type does not compile until the
 * audit service says how to show it (and `render.test.ts` checks every registry key at run time).
 */
const VERBS: Record<EventType, string> = {
  "organisation.created": "created the organisation",
  "user.signed_up": "signed up",
  "user.created": "created the user",
  "user.updated": "updated the user",
  "user.org_role_changed": "changed the organisation role of",
  "user.status_changed": "changed the status of",
  "user.deleted": "deleted the user",
  "user.logged_in": "logged in as",
  "invitation.sent": "sent an invitation to",
  "invitation.accepted": "accepted the invitation of",
  "invitation.revoked": "revoked the invitation of",
  "workspace.created": "created the workspace",
  "workspace.updated": "updated the workspace",
  "workspace.deleted": "deleted the workspace",
  "workspace.settings_changed": "changed the settings of",
  "member.added": "added the member",
  "member.removed": "removed the member",
  "member.role_changed": "changed the role of",
  "member.permissions_changed": "changed the permissions of",
  "ownership.transferred": "transferred ownership to",
  "role.created": "created the role",
  "role.updated": "updated the role",
  "role.deleted": "deleted the role",
  "team.created": "created the team",
  "team.updated": "updated the team",
  "team.deleted": "deleted the team",
  "join_request.created": "asked to join",
  "join_request.approved": "approved the join request of",
  "join_request.rejected": "rejected the join request of",
  "api_key.created": "created the API key",
  "api_key.revoked": "revoked the API key",
  "api_key.rotated": "rotated the API key",
  "api_key.used": "used the API key",
  "ticket.created": "created the ticket",
  "ticket.updated": "updated the ticket",
  "ticket.status_changed": "changed the status of",
  "ticket.priority_changed": "changed the priority of",
  "ticket.assigned": "assigned the ticket",
  "ticket.deleted": "deleted the ticket",
  "ticket.reply_added": "replied on the ticket",
  "ticket.reply_approved": "approved a reply on the ticket",
  "ticket.reply_rejected": "rejected a reply on the ticket",
  "ticket_field.created": "created the ticket field",
  "ticket_field.updated": "updated the ticket field",
  "ticket_field.deleted": "deleted the ticket field",
  "sla.policy_updated": "updated the SLA policy of",
  "sla.warning": "warned that the SLA is due soon on",
  "sla.breached": "recorded an SLA breach on",
  "billing.trial_started": "started a trial for",
  "billing.plan_changed": "changed the plan of",
  "billing.seats_changed": "changed the seats of",
  "billing.status_changed": "changed the billing status of",
  "billing.period_changed": "changed the billing period of",
  "billing.duplicate_subscription_canceled": "cancelled a second paid subscription of",
  "workspace_data.purged_by_identity": "removed identity's data of",
  "workspace_data.purged_by_ticketing": "removed ticketing's data of",
  "workspace_data.purged_by_billing": "removed billing's data of",
};

export const RENDERED_TYPES: ReadonlySet<string> = new Set(Object.keys(VERBS));

/** One line for the log's readers, e.g. `changed the status of ticket "Printer on fire"`. */
export function summaryOf(event: Pick<TypedEvent, "type" | "target">): string {
  const label = event.target.label ?? event.target.id;
  return `${VERBS[event.type]} ${event.target.type} "${label}"`;
}
