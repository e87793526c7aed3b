import type { FastifyBaseLogger } from "fastify";
import type { Actor } from "@support/actor-context";
import type { CacheInvalidations, Signer, SqlReader } from "@support/service-kit";
import type DataLoader from "dataloader";
import type { Db } from "./db/client.js";
import type { Membership } from "./db/generated/client.js";
import type { IdentityClient } from "./clients/identity.js";
import type { TeamView } from "./db/teams.js";
import type { CountedUser } from "./db/users.js";
import type { RequestAccess } from "./authorization.js";

export interface WorkspaceContext {
  actor: Actor;
  db: Db;
  /** node-postgres for the hot reads (standings), off Prisma's client. */
  sql: SqlReader;
  /** The request's logger: every line carries the gateway's request id. */
  logger: FastifyBaseLogger;
  /** Per request: the actor's standing in workspaces, batched (`workspaces { myPermissions }`); for `authorize`. */
  workspaces: RequestAccess;
  /** Per request: workspace counts of users, batched across the rows of a page. */
  workspaceCounts: DataLoader<CountedUser, number, string>;
  /** Identity's internal endpoints, called on behalf of this request's actor. */
  identity: IdentityClient;
  /** Per request: every membership of each workspace asked about (roles' members), one query per batch. */
  workspaceMemberships: DataLoader<string, Membership[]>;
  /** Per request: member and team counts of workspaces (connections' totalCount), one query per batch. */
  memberCounts: DataLoader<string, number>;
  teamCounts: DataLoader<string, number>;
  /** Per request: the teams the caller may see, by id, for `_entities`, one query per batch. */
  teams: DataLoader<string, TeamView | null>;
  /** Signs workspace-data download links (a key derived from ACTOR_CONTEXT_KEYS). */
  signer: Signer;
  /** Where download links point: the gateway's public origin. */
  downloadBaseUrl: string;
  /** Tells every gateway, through cache.invalidations, about revoked API keys (docs/adr/0011). */
  invalidations: CacheInvalidations;
}
