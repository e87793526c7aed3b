import { randomUUID } from "node:crypto";
import Fastify, { type FastifyInstance } from "fastify";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

/**
 * A local mail catcher: an SMTP server that keeps every message it is given, in memory, and an
 * HTTP side to read them. `npm start` and the tests point identity's SMTP_URL at it when no
 * SMTP_URL is set (infra/stack/stack.ts). Nothing it catches leaves the machine.
 *
 * HTTP:
 * - `GET /`: a page listing the caught mail, newest first (what a developer reads);
 * - `GET /messages?to=<address>`: the same as JSON, `{ messages: CaughtMail[] }`, newest first,
 *   only those to that address (case-insensitive) when `to` is given;
 * - `GET /messages/:id`: one message;
 * - `POST /_catcher/smtp/stop`, `POST /_catcher/smtp/start`: for tests of a mail server outage,
 *   stop the SMTP listener (open sessions are cut, new connections refused) and start it again
 *   on the same port.
 */

export interface CaughtMail {
  /** The catcher's own id. */
  id: string;
  receivedAt: string;
  /** SMTP envelope: MAIL FROM and RCPT TO. */
  envelope: { from: string | null; to: string[] };
  from: string | null;
  /** The To header's addresses. */
  to: string[];
  subject: string;
  text: string;
  /** The Message-ID header as sent (with its angle brackets), or null. */
  messageId: string | null;
  /** Every header as written, name lower-cased; a repeated header keeps its last value. */
  headers: Record<string, string>;
}

export interface MailCatcherOptions {
  smtpPort: number;
  httpPort: number;
  host?: string;
  /** Messages kept; the oldest go first beyond it (load runs send thousands). Default 5000. */
  keep?: number;
  log?: (message: string) => void;
}

export interface RunningMailCatcher {
  /** The HTTP side's base URL. */
  url: string;
  /** What a sender is given: `smtp://host:port`. */
  smtpUrl: string;
  app: FastifyInstance;
  messages(): readonly CaughtMail[];
  stopSmtp(): Promise<void>;
  startSmtp(): Promise<void>;
  close(): Promise<void>;
}

/** Largest message accepted (bytes): the catcher keeps everything in memory. */
const MAX_MESSAGE_BYTES = 1024 * 1024;

const escapeHtml = (value: string): string =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );

const addressesOf = (field: unknown): string[] => {
  const objects = Array.isArray(field) ? field : field ? [field] : [];
  return objects.flatMap((object: { value?: Array<{ address?: string }> }) =>
    (object.value ?? []).flatMap((entry) => (entry.address ? [entry.address] : [])),
  );
};

export async function startMailCatcher(options: MailCatcherOptions): Promise<RunningMailCatcher> {
  const host = options.host ?? "127.0.0.1";
  const keep = options.keep ?? 5_000;
  const log = options.log ?? (() => {});
  const caught: CaughtMail[] = [];

  const record = async (raw: Buffer, envelope: CaughtMail["envelope"]): Promise<void> => {
    const parsed = await simpleParser(raw);
    const headers: Record<string, string> = {};
    for (const { key, line } of parsed.headerLines) {
      headers[key.toLowerCase()] = line.slice(line.indexOf(":") + 1).trim();
    }
    caught.push({
      id: randomUUID(),
      receivedAt: new Date().toISOString(),
      envelope,
      from: addressesOf(parsed.from)[0] ?? null,
      to: addressesOf(parsed.to),
      subject: parsed.subject ?? "",
      text: parsed.text ?? "",
      messageId: headers["message-id"] ?? null,
      headers,
    });
    if (caught.length > keep) caught.splice(0, caught.length - keep);
  };

  const newSmtpServer = () =>
    new SMTPServer({
      // Plain and open, on the loopback only: a catcher, not a relay.
      secure: false,
      authOptional: true,
      disabledCommands: ["STARTTLS", "AUTH"],
      size: MAX_MESSAGE_BYTES,
      logger: false,
      // A stop cuts open sessions at once: the outage tests need the server gone, not draining.
      closeTimeout: 1,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => {
          if (stream.sizeExceeded) {
            callback(Object.assign(new Error("message too large"), { responseCode: 552 }));
            return;
          }
          const envelope = {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          };
          // Answered once kept: a 250 from the catcher means the message can be read.
          record(Buffer.concat(chunks), envelope).then(
            () => callback(),
            (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
          );
        });
      },
    });

  let smtp: SMTPServer | null = null;
  const startSmtp = async (): Promise<void> => {
    if (smtp) return;
    const server = newSmtpServer();
    server.on("error", (error) => log(`mail catcher SMTP: ${error.message}`));
    await new Promise<void>((resolve, reject) => {
      const listening = server.listen(options.smtpPort, host, () => {
        listening.off("error", reject);
        resolve();
      });
      listening.once("error", reject);
    });
    smtp = server;
  };
  const stopSmtp = async (): Promise<void> => {
    const server = smtp;
    if (!server) return;
    smtp = null;
    // Open sessions are cut too (closeTimeout), so nothing more is accepted through them.
    for (const connection of server.connections) connection.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  const app = Fastify({ logger: false });
  const recipientIs = (address: string) => {
    const wanted = address.trim().toLowerCase();
    return (mail: CaughtMail) => [...mail.envelope.to, ...mail.to].some((to) => to.toLowerCase() === wanted);
  };
  const newestFirst = (to: string | undefined) => {
    const list = to ? caught.filter(recipientIs(to)) : caught;
    return [...list].reverse();
  };

  app.get<{ Querystring: { to?: string; limit?: string } }>("/messages", async (request) => {
    const limit = Math.min(Math.max(Number(request.query.limit ?? 100) || 100, 1), 1_000);
    return { messages: newestFirst(request.query.to).slice(0, limit) };
  });
  app.get<{ Params: { id: string } }>("/messages/:id", async (request, reply) => {
    const mail = caught.find((m) => m.id === request.params.id);
    return mail ?? reply.code(404).send({ error: "no such message" });
  });
  app.get<{ Querystring: { to?: string } }>("/", async (request, reply) => {
    const list = newestFirst(request.query.to).slice(0, 200);
    const rows = list
      .map(
        (mail) => `<article>
  <h2>${escapeHtml(mail.subject || "(no subject)")}</h2>
  <p class="meta">to ${escapeHtml([...new Set([...mail.envelope.to, ...mail.to])].join(", "))} · from ${escapeHtml(mail.from ?? "?")} · ${escapeHtml(mail.receivedAt)} · ${escapeHtml(mail.messageId ?? "")}</p>
  <pre>${escapeHtml(mail.text)}</pre>
</article>`,
      )
      .join("\n");
    return reply.type("text/html; charset=utf-8").send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Caught mail</title>
<style>body{font:15px system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
article{border-top:1px solid #ccc;padding:.5rem 0}.meta{color:#555;font-size:13px}pre{white-space:pre-wrap}</style></head>
<body><h1>Caught mail</h1>
<p>Every message the local stack sent (${caught.length} kept, newest first; nothing leaves this machine).
<a href="/messages">JSON</a>. Filter: <code>?to=address</code>.</p>
${rows || "<p>No mail yet.</p>"}
</body></html>`);
  });
  app.post("/_catcher/smtp/stop", async () => {
    await stopSmtp();
    return { listening: false };
  });
  app.post("/_catcher/smtp/start", async () => {
    await startSmtp();
    return { listening: true };
  });

  await startSmtp();
  try {
    await app.listen({ port: options.httpPort, host });
  } catch (error) {
    await stopSmtp();
    throw error;
  }
  const url = `http://${host}:${options.httpPort}`;
  return {
    url,
    smtpUrl: `smtp://${host}:${options.smtpPort}`,
    app,
    messages: () => caught,
    stopSmtp,
    startSmtp,
    close: async () => {
      await stopSmtp();
      await app.close();
    },
  };
}
