import { eventActor, eventScope, type SqlTransaction } from "@support/events";
import type { Ticket } from "../db/generated/client.js";
import { insertNotifications, type NewNotification } from "../db/notifications.js";
import { assignmentRecipient } from "../domain/notifications.js";
import { publish, ticketTarget, workspaceOf } from "./publish.js";

/**
 * Stores in-app notifications in the caller's transaction and publishes their
 * `notification.created` events after the events they tell of (published by the caller first,
 * their ids the notifications' `sourceEventId`). A notification already made for the same fact
 * is skipped, and so is its event: identity mails each notification once (issue 22).
 */
export async function notify(tx: SqlTransaction, rows: readonly NewNotification[], now: Date): Promise<void> {
  const stored = await insertNotifications(tx, rows, now);
  await publish(
    tx,
    ...stored.map((notification) => ({
      type: "notification.created" as const,
      ...eventScope(workspaceOf(notification)),
      // The platform tells people; the assignment itself is the assigner's entry in the log.
      actor: eventActor("system"),
      target: ticketTarget({ id: notification.ticketId, number: notification.ticketNumber, title: notification.title }),
      changes: [
        { field: "recipientUserId", old: null, new: notification.recipientUserId },
        { field: "kind", old: null, new: notification.kind },
      ],
      data: {
        notificationId: notification.id,
        recipientUserId: notification.recipientUserId,
        kind: notification.kind,
        ticketId: notification.ticketId,
        number: notification.ticketNumber,
        title: notification.title,
        dueAt: notification.dueAt?.toISOString() ?? null,
      },
    })),
  );
}

/**
 * Tells the new assignee of a ticket, in the assignment's transaction (`sourceEventId`: the
 * assignment's own event). Nobody is told of a self-assignment, of a team-only assignment or of
 * an unchanged assignee (domain/notifications.ts).
 */
export async function notifyAssignee(
  tx: SqlTransaction,
  change: { before: Pick<Ticket, "assigneeId"> | null; ticket: Ticket; actorUserId: string | null },
  sourceEventId: string,
  now: Date,
): Promise<void> {
  const { before, ticket, actorUserId } = change;
  const recipientUserId = assignmentRecipient(before, ticket, actorUserId);
  if (!recipientUserId) return;
  await notify(
    tx,
    [
      {
        workspaceId: ticket.workspaceId,
        organisationId: ticket.organisationId,
        recipientUserId,
        kind: "TICKET_ASSIGNED",
        ticketId: ticket.id,
        ticketNumber: ticket.number,
        title: ticket.title,
        dueAt: ticket.slaDueAt,
        sourceEventId,
      },
    ],
    now,
  );
}
