import type { FastifyBaseLogger } from "fastify";
import type pg from "pg";
import type { Actor } from "@support/actor-context";
import type { PermissionsClient } from "@support/service-kit";
import type { Db } from "./db/client.js";
import type { Signer } from "@support/service-kit";
import type { TicketVisibility } from "./ticket-visibility.js";

export interface AuditContext {
  actor: Actor;
  db: Db;
  /** Plain SQL for the hot read (db/entries.ts) and exports' cursors (db/export-stream.ts). */
  pool: pg.Pool;
  permissions: PermissionsClient;
  /** Which tickets the caller may see now, to redact entries about the rest (docs/adr/0013). */
  tickets: TicketVisibility;
  /** Signs checkpoints and download links (AUDIT_SIGNING_KEYS). */
  signer: Signer;
  /** Where download links point: the gateway's public origin ("" for links relative to it). */
  downloadBaseUrl: string;
  exportLinkTtlSeconds: number;
  /** The request's logger: every line carries the gateway's request id. */
  logger: FastifyBaseLogger;
}
