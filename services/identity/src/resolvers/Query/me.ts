import type { QueryResolvers } from "../../generated/graphql.js";

/** The signed-in user; null for anonymous callers and API keys. */
export const me: QueryResolvers["me"] = (_, __, ctx) =>
  ctx.actor.kind === "user" ? ctx.users.load(ctx.actor.userId) : null;
