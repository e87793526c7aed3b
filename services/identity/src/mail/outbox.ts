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
    data: [{ id: randomUUID(), dedupeKey: mail.dedupeKey, recipient: mail.to, subject: mail.subject, text: mail.text }],
    skipDuplicates: true,
  });
  return count === 1;
}
