import type { FastifyBaseLogger } from "fastify";
import type { Actor } from "@support/actor-context";
import type { PermissionsClient } from "@support/service-kit";
import type { Db } from "./db/client.js";
import type { Signer } from "@support/service-kit";

export interface AuditContext {
  actor: Actor;
  db: Db;
  permissions: PermissionsClient;
  /** Signs checkpoints and download links (AUDIT_SIGNING_KEYS). */
  signer: Signer;
  /** Where download links point: the gateway's public origin ("" for links relative to it). */
  downloadBaseUrl: string;
  exportLinkTtlSeconds: number;
  /** The request's logger: every line carries the gateway's request id. */
  logger: FastifyBaseLogger;
}
