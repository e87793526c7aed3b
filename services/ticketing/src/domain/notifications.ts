/** Who is told about a ticket, and how their notifications are paged (issue 22), without I/O. */
import { z } from "zod";
import { cursorCodec, cursorKey, type CursorCodec } from "@support/validation";

export const NOTIFICATION_KINDS = ["SLA_WARNING", "SLA_BREACHED", "TICKET_ASSIGNED"] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/**
 * Who is told that a ticket was assigned: the new assignee. Nobody when the assignee did not
 * change (a team-only change, a replay of the same assignment), when it was cleared, or when
 * people assign tickets to themselves (they know). A team is not a person: assigning a ticket to
 * a team alone tells nobody.
 */
export function assignmentRecipient(
  before: { assigneeId: string | null } | null,
  after: { assigneeId: string | null },
  actorUserId: string | null,
): string | null {
  if (after.assigneeId === null || after.assigneeId === (before?.assigneeId ?? null)) return null;
  return after.assigneeId === actorUserId ? null : after.assigneeId;
}

/** A notification's place in the caller's list (newest first): its time, then its id. */
export type NotificationKey = [createdAt: string, id: string];

/** Tagged, so another list's cursor of the same shape (a ticket's replies) is not taken for one. */
const codec = cursorCodec(z.tuple([z.literal("notification"), cursorKey.instant(), cursorKey.uuid()]));

export const notificationCursorCodec: CursorCodec<NotificationKey> = {
  encode: ([createdAt, id]) => codec.encode(["notification", createdAt, id]),
  decode: (cursor) => {
    const decoded = codec.decode(cursor);
    return decoded ? [decoded[1], decoded[2]] : null;
  },
};

export const notificationKeyOf = (notification: { createdAt: Date; id: string }): NotificationKey => [
  notification.createdAt.toISOString(),
  notification.id,
];
