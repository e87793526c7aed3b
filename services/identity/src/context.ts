import DataLoader from "dataloader";
import type { Actor } from "@support/actor-context";
import type { CacheInvalidations, WorkspacePeopleClient } from "@support/service-kit";
import type { FastifyBaseLogger } from "fastify";
import type { IdentityConfig } from "./config.js";
import type { Db } from "./db/client.js";
import type { LoginThrottle } from "./db/login-throttle.js";
import type { MailSender } from "./mail/sender.js";
import type { User, Organisation } from "./db/generated/client.js";

export interface IdentityContext {
  actor: Actor;
  db: Db;
  config: IdentityConfig;
  /** The request's logger: every line carries the gateway's request id. */
  logger: FastifyBaseLogger;
  users: DataLoader<string, User | null>;
  organisations: DataLoader<string, Organisation | null>;
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

/** Per-request loaders batch entity look-ups (e.g. `_entities` for many users) into one query. */
export function createLoaders(db: Db): Pick<IdentityContext, "users" | "organisations"> {
  return {
    users: new DataLoader(async (ids: readonly string[]) => {
      const rows = await db.user.findMany({ where: { id: { in: [...ids] } } });
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    organisations: new DataLoader(async (ids: readonly string[]) => {
      const rows = await db.organisation.findMany({ where: { id: { in: [...ids] } } });
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  };
}
