import { httpUrl, loadConfigOrExit, serviceEnv, z } from "@support/config";

const positiveInt = z.coerce.number().int().positive();

/** `address@domain` or `Display Name <address@domain>`, one address, no line breaks. */
const MAIL_FROM_PATTERN = /^(?:[^<>\r\n]*<([^\s<>@]+@[^\s<>@]+)>|([^\s<>@]+@[^\s<>@]+))$/;
const mailFrom = z.string().trim().regex(MAIL_FROM_PATTERN, "must be address@domain or Name <address@domain>");

/** The domain of MAIL_FROM's address. */
export function mailFromDomain(from: string): string {
  const match = MAIL_FROM_PATTERN.exec(from.trim());
  const address = match?.[1] ?? match?.[2] ?? "";
  return address.slice(address.lastIndexOf("@") + 1);
}

export const identityEnv = {
  ...serviceEnv,
  SESSION_TTL_HOURS: positiveInt.default(24 * 14),
  /** Where identity asks the workspace service about permissions and memberships (docs/adr/0004). */
  WORKSPACE_SERVICE_URL: httpUrl,
  /** Failed sign-ins allowed per email within the window (credential stuffing on one account). */
  LOGIN_MAX_FAILURES_PER_EMAIL: positiveInt.default(5),
  /** Failed sign-ins allowed per client address within the window (spraying many accounts). */
  LOGIN_MAX_FAILURES_PER_ADDRESS: positiveInt.default(20),
  LOGIN_THROTTLE_WINDOW_SECONDS: positiveInt.default(15 * 60),
  INVITATION_TTL_DAYS: positiveInt.default(7),
  /**
   * Where mail goes out (docs/adr/0016): `smtp://[user:pass@]host:port` (STARTTLS when the server
   * offers it) or `smtps://…` (TLS from the start). `npm start` and the tests point it at the local
   * mail catcher.
   */
  SMTP_URL: z
    .string()
    .url()
    .refine((v) => /^smtps?:\/\/[^/]/.test(v), "must be an smtp:// or smtps:// URL"),
  /** The From of every mail: `address@domain` or `Name <address@domain>`; its domain names the Message-IDs. */
  MAIL_FROM: mailFrom,
  /** The app's public origin (and path, if any), which links in mail point at: `${APP_BASE_URL}/accept-invitation?token=…`. */
  APP_BASE_URL: httpUrl.transform((v) => v.replace(/\/+$/, "")),
  /** How long a mail that cannot be sent is retried (back-off up to 5 minutes) before it is given up. */
  MAIL_RETRY_HOURS: positiveInt.default(72),
  /** How long a password reset link works (single use; a newer link replaces it). */
  PASSWORD_RESET_TTL_MINUTES: positiveInt.default(30),
  /** Reset links requested per email within the window (mail bombing one mailbox). */
  PASSWORD_RESET_MAX_PER_EMAIL: positiveInt.default(3),
  /** Reset links requested per client address within the window (sweeping many addresses). */
  PASSWORD_RESET_MAX_PER_ADDRESS: positiveInt.default(20),
  PASSWORD_RESET_THROTTLE_WINDOW_SECONDS: positiveInt.default(60 * 60),
};

export type IdentityConfig = z.infer<z.ZodObject<typeof identityEnv>>;

export const loadIdentityConfig = (env: NodeJS.ProcessEnv = process.env): IdentityConfig =>
  loadConfigOrExit(identityEnv, env);
