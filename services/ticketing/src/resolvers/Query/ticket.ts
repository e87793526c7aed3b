import { visibleTicket } from "../../authorization.js";
import type { QueryResolvers } from "../../generated/graphql.js";

/** NOT_FOUND alike for a missing ticket and one the caller may not see. */
export const ticket: QueryResolvers["ticket"] = async (_, args, ctx) =>
  (await visibleTicket(ctx, args.id, "tickets:view")).ticket;
