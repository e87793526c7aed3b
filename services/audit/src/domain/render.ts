import type { EventType, TypedEvent } from "@support/events";

/**
 * What an auditor reads for each event type: a sentence about the entry's target, where `{t}` is
 * the target as a noun and its label (`ticket field "Product"`), `{l}` the label alone (an email,
 * a person) and no placeholder means the sentence needs no target (`logged in`). The record is
 * exhaustive over the typed event registry, so a new event type does not compile until the audit
 * service says how to show it (and `render.test.ts` checks every registry key at run time).
 */
const VERBS: Record<EventType, string> = {
  "organisation.created": "created the {t}",
  "user.signed_up": "signed up",
  "user.created": "created the {t}",
  "user.updated": "updated the {t}",
  "user.org_role_changed": "changed the organisation role of {l}",
  "user.status_changed": "changed the status of {l}",
  "user.password_reset_requested": "mailed a password reset link to {l}",
  "user.password_reset": "set a new password with a reset link",
  "user.deleted": "deleted the {t}",
  "user.logged_in": "logged in",
  "invitation.sent": "invited {l}",
  "invitation.accepted": "accepted the invitation for {l}",
  "invitation.revoked": "revoked the invitation for {l}",
  "workspace.created": "created the {t}",
  "workspace.updated": "updated the {t}",
  "workspace.deleted": "deleted the {t}",
  "workspace.settings_changed": "changed the settings of {t}",
  "member.added": "added {l} to the workspace",
  "member.removed": "removed {l} from the workspace",
  "member.role_changed": "changed the role of {l}",
  "member.permissions_changed": "changed the permissions of {l}",
  "ownership.transferred": "transferred the ownership of {t}",
  "role.created": "created the {t}",
  "role.updated": "updated the {t}",
  "role.deleted": "deleted the {t}",
  "team.created": "created the {t}",
  "team.updated": "updated the {t}",
  "team.deleted": "deleted the {t}",
  "join_request.created": "asked to join as {l}",
  "join_request.approved": "approved the join request of {l}",
  "join_request.rejected": "rejected the join request of {l}",
  "api_key.created": "created the {t}",
  "api_key.revoked": "revoked the {t}",
  "api_key.rotated": "rotated the {t}",
  "api_key.used": "used the {t}",
  "ticket.created": "created the {t}",
  "ticket.updated": "updated the {t}",
  "ticket.status_changed": "changed the status of {t}",
  "ticket.priority_changed": "changed the priority of {t}",
  "ticket.assigned": "assigned the {t}",
  "ticket.deleted": "deleted the {t}",
  "ticket.reply_added": "replied on the {t}",
  "ticket.reply_approved": "approved a reply on the {t}",
  "ticket.reply_rejected": "rejected a reply on the {t}",
  "ticket_field.created": "created the {t}",
  "ticket_field.updated": "updated the {t}",
  "ticket_field.deleted": "deleted the {t}",
  "sla.policy_updated": "updated the SLA policy of {t}",
  "sla.warning": "warned that the SLA is due soon on {t}",
  "sla.breached": "recorded an SLA breach on {t}",
  "notification.created": "sent a notification about {t}",
  "billing.trial_started": "started a trial for {t}",
  "billing.plan_changed": "changed the plan of {t}",
  "billing.seats_changed": "changed the seats of {t}",
  "billing.status_changed": "changed the billing status of {t}",
  "billing.period_changed": "changed the billing period of {t}",
  "billing.duplicate_subscription_canceled": "cancelled a second paid subscription of {t}",
  "workspace_data.purged_by_identity": "removed identity's data of {t}",
  "workspace_data.purged_by_ticketing": "removed ticketing's data of {t}",
  "workspace_data.purged_by_billing": "removed billing's data of {t}",
};

export const RENDERED_TYPES: ReadonlySet<string> = new Set(Object.keys(VERBS));

/** Target types as a reader says them; a billing account is shown as its workspace. */
const NOUNS: Record<string, string> = {
  ticket_field: "ticket field",
  api_key: "API key",
  join_request: "join request",
  billing_account: "workspace",
};

export const nounOf = (targetType: string): string => NOUNS[targetType] ?? targetType.replaceAll("_", " ");

/**
 * One line for the log's readers, e.g. `changed the status of ticket "#1 Printer on fire"` or
 * `created the ticket field "Product"`. An unlabelled target (redacted, or never named) reads as
 * its noun alone: `assigned the ticket`, never an id.
 */
export function summaryOf(event: Pick<TypedEvent, "type" | "target">): string {
  const { label } = event.target;
  const noun = nounOf(event.target.type);
  const quoted = label === null || label === undefined ? null : `"${label}"`;
  const template = VERBS[event.type as EventType] ?? `${event.type} {t}`;
  return template.replace("{t}", quoted ? `${noun} ${quoted}` : noun).replace("{l}", quoted ?? `a ${noun}`);
}
