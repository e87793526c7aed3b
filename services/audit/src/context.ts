import type { FastifyBaseLogger } from "fastify";
import type { Actor } from "@support/actor-context";
import type { PermissionsClient } from "@support/service-kit";
import type { Db } from "./db/client.js";

export interface AuditContext {
  actor: Actor;
  db: Db;
  permissions: PermissionsClient;
  /** The request's logger: every line carries the gateway's request id. */
  logger: FastifyBaseLogger;
}
