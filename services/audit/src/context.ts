import type { FastifyBaseLogger } from "fastify";
import type pg from "pg";
import type { Actor } from "@support/actor-context";
import type { PermissionsClient, Signer } from "@support/service-kit";
import type { TicketingClient } from "./clients/ticketing.js";
import type { Db } from "./db/client.js";
import type { VerifyThrottle } from "./db/verify-throttle.js";
import type { ChainKeys } from "./domain/chain.js";

export interface AuditContext {
  actor: Actor;
  db: Db;
  /** Plain SQL for the hot read (db/entries.ts) and exports' cursors (db/export-stream.ts). */
  pool: pg.Pool;
  /** The caller's standing in a workspace, asked of the workspace service (src/authorization.ts). */
  workspaces: PermissionsClient;
  /** Which tickets the caller may see now, to redact entries about the rest (docs/adr/0013). */
  tickets: TicketingClient;
  /** Signs checkpoints and download links (AUDIT_SIGNING_KEYS). */
  signer: Signer;
  /** Verifies the chain's HMAC links (AUDIT_SIGNING_KEYS, purpose "chain"; docs/adr/0008). */
  chainKeys: ChainKeys;
  /** verifyActivityLog's per-workspace budget, shared by every instance. */
  verifyThrottle: VerifyThrottle;
  /** Where download links point: the gateway's public origin (DOWNLOAD_BASE_URL), without a trailing slash. */
  downloadBaseUrl: string;
  exportLinkTtlSeconds: number;
  /** The request's logger: every line carries the gateway's request id. */
  logger: FastifyBaseLogger;
}
