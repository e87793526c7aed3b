import { createEvent, type TypedEvent } from "@support/events";
import type { Tx } from "../db/client.js";
import { insertNotifications, type NewNotification } from "../db/notifications.js";
import { ticketingEvent, ticketTarget } from "./publish.js";

/**
 * Stores in-app notifications in the caller's transaction and answers their `notification.created`
 * events, for the caller to publish with the rest of its events in one call (the outbox orders a
 * workspace's events by that call). A notification already made for the same fact is skipped, and
 * so is its event: identity mails each notification once (issue 22).
 */
export async function storeNotifications(
  tx: Tx,
  rows: readonly NewNotification[],
  now: Date,
): Promise<Array<TypedEvent<"notification.created">>> {
  const stored = await insertNotifications(tx, rows, now);
  return stored.map((notification) =>
    createEvent(
      ticketingEvent(
        "notification.created",
        { workspaceId: notification.workspaceId, organisationId: notification.organisationId },
        // The platform tells people; the assignment itself is the assigner's entry in the log.
        "system",
        ticketTarget({ id: notification.ticketId, number: notification.ticketNumber, title: notification.title }),
        [
          { field: "recipientUserId", old: null, new: notification.recipientUserId },
          { field: "kind", old: null, new: notification.kind },
        ],
        {
          notificationId: notification.id,
          recipientUserId: notification.recipientUserId,
          kind: notification.kind,
          ticketId: notification.ticketId,
          number: notification.ticketNumber,
          title: notification.title,
          dueAt: notification.dueAt?.toISOString() ?? null,
        },
      ),
    ),
  );
}
