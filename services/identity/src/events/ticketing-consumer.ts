import type { EventType, TypedEvent } from "@support/events";
import type { Tx } from "../db/client.js";
import { mailRecipient } from "../db/users.js";
import { ticketNotificationMail } from "../domain/mail.js";
import { enqueueMail } from "../mail/outbox.js";

/** The one type of `ticketing.events` this consumer applies; every other type is skipped without a transaction. */
export const TICKET_NOTIFICATION_EVENT_TYPES = ["notification.created"] as const satisfies readonly EventType[];

/** The dedupe key of a notification's mail: its event's id, so a redelivered event sends nothing more. */
export const notificationMailKey = (eventId: string): string => `notification:${eventId}`;

/**
 * `notification.created`: ticketing stored an in-app notification for someone (it decided who may
 * see the ticket); identity, which holds the addresses, mails it once (docs/adr/0016). A recipient
 * who is not an active user of the event's organisation any more (deleted, disabled, suspended)
 * gets nothing.
 */
export function ticketNotifications(options: { appBaseUrl: string }) {
  async function handle(event: TypedEvent, tx: Tx): Promise<void> {
    if (event.type !== "notification.created") return;
    const { data } = event;
    const recipient = await mailRecipient(tx, data.recipientUserId);
    if (!recipient || recipient.status !== "ACTIVE" || recipient.organisationId !== event.organisationId) return;
    const content = ticketNotificationMail({
      appBaseUrl: options.appBaseUrl,
      recipientFirstName: recipient.firstName,
      kind: data.kind,
      workspaceId: event.workspaceId,
      ticketId: data.ticketId,
      number: data.number,
      title: data.title,
      dueAt: data.dueAt,
    });
    await enqueueMail(tx, {
      dedupeKey: notificationMailKey(event.id),
      to: recipient.email,
      ...content,
      ...(event.workspaceId ? { about: { userId: data.recipientUserId, workspaceId: event.workspaceId } } : {}),
    });
  }

  return { eventTypes: TICKET_NOTIFICATION_EVENT_TYPES, handle };
}
