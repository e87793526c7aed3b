import type { FastifyBaseLogger } from "fastify";
import type DataLoader from "dataloader";
import type { Actor } from "@support/actor-context";
import type { PermissionsClient, TransactionPool } from "@support/service-kit";
import type { Db } from "./db/client.js";
import type { Ticket, TicketField, TicketReply } from "./db/generated/client.js";
import type { WorkspaceClient } from "./clients/workspace.js";

export interface TicketingContext {
  actor: Actor;
  db: Db;
  /** Transactions on node-postgres, for the hot write paths (`changeTicketStatus`). */
  sql: TransactionPool;
  /** The caller's standing in workspaces, asked of the workspace service (docs/adr/0003); what `authorize` reads. */
  workspaces: PermissionsClient;
  /** The workspace service's members and teams, for assignments and imports. */
  workspaceService: WorkspaceClient;
  /** The request's logger: every line carries the gateway's request id. */
  logger: FastifyBaseLogger;
  /** Per request, batched across a page: tickets by id (for `_entities`). */
  tickets: DataLoader<string, Ticket | null>;
  /** Per request, batched: the replies of tickets. */
  replies: DataLoader<string, TicketReply[]>;
  /** Per request, batched: the custom fields of workspaces. */
  fields: DataLoader<string, TicketField[]>;
}
