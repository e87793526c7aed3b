import type { Actor } from "@support/actor-context";
import type { CacheInvalidations, WorkspacePeopleClient } from "@support/service-kit";
import type { FastifyBaseLogger } from "fastify";
import type { IdentityConfig } from "./config.js";
import type { Db } from "./db/client.js";
import type { Loaders } from "./db/loaders.js";
import type { LoginThrottle } from "./db/login-throttle.js";
import type { MailSender } from "./mail/sender.js";

export interface IdentityContext extends Loaders {
  actor: Actor;
  db: Db;
  config: IdentityConfig;
  /** The request's logger: every line carries the gateway's request id. */
  logger: FastifyBaseLogger;
  /** The workspace service's internal endpoints, called on behalf of this request's actor. */
  workspaces: WorkspacePeopleClient;
  throttle: LoginThrottle;
  /** Password reset requests per email and per client address. */
  resetThrottle: LoginThrottle;
  /** Tells every gateway, through cache.invalidations, about ended sessions and changed users (docs/adr/0011). */
  invalidations: CacheInvalidations;
  /** The end client's address as the gateway saw it, from the signed actor context. */
  clientAddress: string;
  /** This instance's mail sender: `kick()` after a commit that enqueued mail sends it now, not at the next poll. */
  mail: Pick<MailSender, "kick">;
}
