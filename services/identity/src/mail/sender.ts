import nodemailer from "nodemailer";
import { LeaseWorker } from "@support/service-kit";
import type { Logger } from "@support/logger";
import type { Db } from "../db/client.js";

/** Seconds a claimed mail is leased for: longer than the SMTP timeouts below add up to. */
export const MAIL_LEASE_SECONDS = 120;

/** Seconds before attempt `attempts + 1`: 1, 2, 4, … up to 5 minutes between attempts. */
export const mailBackoffSeconds = (attempts: number): number => Math.min(300, 2 ** Math.max(0, attempts - 1));

interface ClaimedMail {
  id: string;
  recipient: string;
  subject: string;
  text: string;
  attempts: number;
  createdAt: Date;
}

export interface MailSenderOptions {
  db: Db;
  logger: Logger;
  smtpUrl: string;
  from: string;
  /** The domain of the Message-IDs (MAIL_FROM's). */
  messageIdDomain: string;
  /** How long a failing mail is retried before it is given up. */
  retryHours: number;
  /** Sent and given-up rows are deleted after this many days (their dedupe keys with them). */
  retentionDays: number;
  pollMs?: number;
}

/** The stable Message-ID of an outbox row: a resend after a crash carries the same one. */
export const messageIdOf = (id: string, domain: string): string => `<${id}@${domain}>`;

/**
 * Sends identity's mail outbox (docs/adr/0016). Every instance runs one; they share the rows
 * through `FOR UPDATE SKIP LOCKED` and a lease (a claim moves `next_attempt_at` past the send), so
 * there is no instance list and a restart at any moment leaves the row to be claimed again when
 * its lease ends. A sent row is marked and its body cleared in one statement. Between the mail
 * server accepting a message and that statement, a crash sends it again after the lease: at least
 * once to SMTP, with the same Message-ID.
 */
export function createMailSender(options: MailSenderOptions) {
  const { db, logger } = options;
  const transport = nodemailer.createTransport({
    url: options.smtpUrl,
    // Well within the lease, so a hung server never lets a second instance send the same row.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  let lastPrune = 0;

  const prune = async () => {
    if (Date.now() - lastPrune < 3_600_000) return;
    lastPrune = Date.now();
    await db.$executeRaw`
      DELETE FROM mail_outbox
      WHERE next_attempt_at IS NULL
        AND created_at < now() - make_interval(days => ${options.retentionDays}::int)`;
  };

  const worker = new LeaseWorker<ClaimedMail>({
    name: "mail-sender",
    logger,
    pollMs: options.pollMs ?? 1_000,
    claim: async () => {
      await prune().catch((error: unknown) => logger.warn({ err: error }, "could not prune sent mail"));
      const rows = await db.$queryRaw<
        Array<{
          id: string;
          recipient: string;
          subject: string;
          text: string | null;
          attempts: number;
          created_at: Date;
        }>
      >`
        UPDATE mail_outbox
        SET next_attempt_at = now() + make_interval(secs => ${MAIL_LEASE_SECONDS}::double precision),
            attempts = attempts + 1
        WHERE id = (
          SELECT id FROM mail_outbox WHERE next_attempt_at <= now()
          ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING id::text, recipient, subject, text, attempts, created_at`;
      const row = rows[0];
      if (!row) return null;
      return {
        id: row.id,
        recipient: row.recipient,
        subject: row.subject,
        text: row.text ?? "",
        attempts: row.attempts,
        createdAt: row.created_at,
      };
    },
    run: async (mail) => {
      const info = await transport.sendMail({
        from: options.from,
        to: mail.recipient,
        subject: mail.subject,
        text: mail.text,
        messageId: messageIdOf(mail.id, options.messageIdDomain),
        headers: { "Auto-Submitted": "auto-generated" },
      });
      // Marked and emptied in one statement: no sent row keeps a live token.
      await db.$executeRaw`
        UPDATE mail_outbox SET sent_at = now(), next_attempt_at = NULL, text = NULL, last_error = NULL
        WHERE id = ${mail.id}::uuid AND sent_at IS NULL`;
      logger.info({ mailId: mail.id, attempts: mail.attempts, smtpResponse: info.response }, "mail sent");
    },
    failed: async (mail, error) => {
      // `failed_at IS NULL` below: a mail withdrawn while this attempt ran (outbox.ts,
      // withdrawMailAbout) stays withdrawn, never put back in line with its body gone.
      const reason = error instanceof Error ? error.message : String(error);
      const givingUp = Date.now() - mail.createdAt.getTime() >= options.retryHours * 3_600_000;
      if (givingUp) {
        await db.$executeRaw`
          UPDATE mail_outbox SET failed_at = now(), next_attempt_at = NULL, text = NULL, last_error = ${reason}
          WHERE id = ${mail.id}::uuid AND sent_at IS NULL AND failed_at IS NULL`;
        logger.error({ mailId: mail.id, attempts: mail.attempts, reason }, "mail given up after its retry period");
        return;
      }
      await db.$executeRaw`
        UPDATE mail_outbox
        SET next_attempt_at = now() + make_interval(secs => ${mailBackoffSeconds(mail.attempts)}::double precision),
            last_error = ${reason}
        WHERE id = ${mail.id}::uuid AND sent_at IS NULL AND failed_at IS NULL`;
    },
  });

  return {
    start: () => worker.start(),
    /** Looks for due mail now (after a mutation that enqueued some), instead of at the next poll. */
    kick: () => worker.kick(),
    stop: async () => {
      await worker.stop();
      transport.close();
    },
  };
}

export type MailSender = ReturnType<typeof createMailSender>;
