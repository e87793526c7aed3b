/**
 * What billing reads of Stripe's webhook events, by Stripe's ids only: which events change an
 * account and which subscription (or Checkout Session) each is about. Metadata and
 * client_reference_id are never read (docs/adr/0007).
 */

/** The event types that change an account; every other verified event is stored and ignored. */
export const APPLIED_EVENT_TYPES = new Set([
  "checkout.session.completed",
  "customer.subscription.created",
  "customer.subscription.updated",
  "customer.subscription.deleted",
  "invoice.paid",
  "invoice.payment_failed",
]);

/** An event type as a metric label: the types billing applies by name, every other one `other` (bounded). */
export const webhookTypeLabel = (type: string): string => (APPLIED_EVENT_TYPES.has(type) ? type : "other");

/** What an event is about, by Stripe's ids only: metadata and client_reference_id are never read. */
export interface EventSubject {
  /** For checkout.session.completed: the session, re-fetched to learn its subscription. */
  sessionId: string | null;
  /** The subscription the snapshot names (for a session, possibly null until re-fetched). */
  subscriptionId: string | null;
}

const idOf = (value: unknown): string | null => {
  if (typeof value === "string") return value;
  if (typeof value === "object" && value !== null && "id" in value && typeof value.id === "string") return value.id;
  return null;
};
const field = (value: unknown, name: string): unknown =>
  typeof value === "object" && value !== null ? (value as Record<string, unknown>)[name] : undefined;

/** Which subscription (or Checkout Session) an event is about, or null when it names none. */
export function subjectOf(event: { type: string; data: { object: Record<string, unknown> } }): EventSubject | null {
  const object = event.data.object;
  switch (event.type) {
    case "checkout.session.completed": {
      const sessionId = idOf(object.id);
      return sessionId ? { sessionId, subscriptionId: idOf(object.subscription) } : null;
    }
    case "customer.subscription.created":
    case "customer.subscription.updated":
    case "customer.subscription.deleted": {
      const subscriptionId = idOf(object.id);
      return subscriptionId ? { sessionId: null, subscriptionId } : null;
    }
    case "invoice.paid":
    case "invoice.payment_failed": {
      const subscriptionId = idOf(field(field(object.parent, "subscription_details"), "subscription"));
      return subscriptionId ? { sessionId: null, subscriptionId } : null;
    }
    default:
      return null;
  }
}
