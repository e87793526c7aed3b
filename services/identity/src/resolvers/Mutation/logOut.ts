import { forbidden, unauthenticated } from "@support/errors";
import { revokeSessions } from "../../db/sessions.js";
import type { MutationResolvers } from "../../generated/graphql.js";

/** Ends the caller's session; every gateway forgets it (docs/adr/0011). */
export const logOut: MutationResolvers["logOut"] = async (_, __, ctx) => {
  if (ctx.actor.kind === "anonymous") throw unauthenticated();
  if (ctx.actor.kind === "apiKey") throw forbidden("An API key has no session to end; revoke the key instead");
  await revokeSessions(ctx.db, { id: ctx.actor.sessionId });
  await ctx.invalidations.credentials({ sessionIds: [ctx.actor.sessionId] });
  return true;
};
