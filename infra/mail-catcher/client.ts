import type { CaughtMail } from "./catcher.js";

export type { CaughtMail } from "./catcher.js";

/** The mail the catcher at `catcherUrl` holds for `to`, newest first. */
export async function mailTo(catcherUrl: string, to: string): Promise<CaughtMail[]> {
  const response = await fetch(`${catcherUrl}/messages?to=${encodeURIComponent(to)}&limit=1000`);
  if (!response.ok) throw new Error(`mail catcher answered ${response.status}`);
  return ((await response.json()) as { messages: CaughtMail[] }).messages;
}

/**
 * Waits until the catcher holds a message to `to` that `matches` (default: any), and returns the
 * newest such. Polls: sooner at first (mail usually arrives within a second of the mutation),
 * then less often.
 */
export async function waitForMail(
  catcherUrl: string,
  to: string,
  options: { matches?: (mail: CaughtMail) => boolean; timeoutMs?: number; what?: string } = {},
): Promise<CaughtMail> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let pauseMs = 25;
  let lastError: unknown;
  for (;;) {
    try {
      const found = (await mailTo(catcherUrl, to)).find(options.matches ?? (() => true));
      if (found) return found;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `no ${options.what ?? "mail"} to ${to} within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ""}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    pauseMs = Math.min(250, pauseMs * 2);
  }
}

/** An invitation's acceptance token as its mail carries it (`inv_…`, in the link and as text). */
const INVITATION_TOKEN = /accept-invitation\?token=(inv_[A-Za-z0-9_-]+)/;

/** The invitation token in a mail, or null when it is not an invitation. */
export function invitationTokenIn(mail: CaughtMail): string | null {
  return INVITATION_TOKEN.exec(mail.text)?.[1] ?? null;
}

/**
 * Waits for the invitation mail to `email` and reads its token: the newest invitation mail whose
 * token is not one of `except` (a resend's new token, not the old one's).
 */
export async function invitationTokenFor(
  catcherUrl: string,
  email: string,
  options: { except?: Iterable<string>; timeoutMs?: number } = {},
): Promise<string> {
  const except = new Set(options.except ?? []);
  const mail = await waitForMail(catcherUrl, email, {
    matches: (m) => {
      const token = invitationTokenIn(m);
      return token !== null && !except.has(token);
    },
    timeoutMs: options.timeoutMs,
    what: "invitation mail",
  });
  return invitationTokenIn(mail) as string;
}
