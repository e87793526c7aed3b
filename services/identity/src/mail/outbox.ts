import { randomUUID } from "node:crypto";
import type { Tx } from "../db/client.js";

export interface OutgoingMail {
  /**
   * What makes this mail unique: the same key is stored once, so a retried transaction or a
   * redelivered event enqueues nothing more (e.g. `notification:<event id>`).
   */
  dedupeKey: string;
  /** One address. */
  to: string;
  subject: string;
  /** The plain-text body; cleared from the database once sent (it may hold a token). */
  text: string;
  /**
   * For mail about a workspace's content (a ticket notification): its recipient and workspace,
   * so that it is withdrawn, unsent, if they leave the workspace before it goes out.
   */
  about?: { userId: string; workspaceId: string };
}

/**
 * Puts a mail in identity's mail outbox, in the caller's transaction (docs/adr/0016): it exists
 * exactly when the change that causes it commits, and every instance's sender (mail/sender.ts)
 * sends it afterwards, retrying while the mail server is down. Never blocks on SMTP and never
 * fails the caller for a mail server's sake. Returns false when a mail with this key was already
 * enqueued (nothing is written then).
 */
export async function enqueueMail(tx: Tx, mail: OutgoingMail): Promise<boolean> {
  const { count } = await tx.mailOutbox.createMany({
    data: [
      {
        id: randomUUID(),
        dedupeKey: mail.dedupeKey,
        recipient: mail.to,
        subject: mail.subject,
        text: mail.text,
        userId: mail.about?.userId ?? null,
        workspaceId: mail.about?.workspaceId ?? null,
      },
    ],
    skipDuplicates: true,
  });
  return count === 1;
}

/** Whose unsent mail about workspaces is withdrawn: someone in one workspace, a whole workspace, or someone everywhere. */
export type MailWithdrawal =
  | { workspaceId: string; userId?: string; reason: string }
  | { workspaceId?: undefined; userId: string; reason: string };

/**
 * Withdraws unsent mail about a workspace's content (`about`): a mail held back by a mail server
 * outage (retried for MAIL_RETRY_HOURS) must not tell a person who lost access what happened
 * since (they left the workspace, it was deleted, their account was disabled, suspended or
 * deleted). Marked failed with `reason`, body cleared, never claimed again; one already being
 * sent by an instance at this moment may still go out. Answers how many were withdrawn.
 */
export async function withdrawMailAbout(tx: Tx, withdrawal: MailWithdrawal): Promise<number> {
  const { workspaceId, userId, reason } = withdrawal;
  const { count } = await tx.mailOutbox.updateMany({
    where: {
      ...(workspaceId ? { workspaceId } : { workspaceId: { not: null } }),
      ...(userId ? { userId } : {}),
      sentAt: null,
      failedAt: null,
    },
    data: { nextAttemptAt: null, text: null, failedAt: new Date(), lastError: `withdrawn: ${reason}` },
  });
  return count;
}
