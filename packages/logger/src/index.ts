import { pino, type Logger } from "pino";

export type { Logger };

export const REQUEST_ID_HEADER = "x-request-id";

/** Anything that can carry a secret is removed before a line is written. */
const REDACT_PATHS = [
  "password",
  "*.password",
  "*.*.password",
  "token",
  "*.token",
  "secret",
  "*.secret",
  "apiKey",
  "*.apiKey",
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-actor-context"]',
  "headers.authorization",
  'headers["x-actor-context"]',
  "variables.password",
  "variables.input.password",
];

export function createLogger(options: { service: string; level?: string }): Logger {
  return pino({
    name: options.service,
    level: options.level ?? "info",
    base: { service: options.service },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
