import { unauthenticated } from "@support/errors";
import { PERMISSION_CATALOGUE } from "@support/permissions";
import type { QueryResolvers } from "../../generated/graphql.js";

/** The permission catalogue, in catalogue order, for anyone signed in. */
export const permissionCatalogue: QueryResolvers["permissionCatalogue"] = (_, __, ctx) => {
  if (ctx.actor.kind === "anonymous") throw unauthenticated();
  return [...PERMISSION_CATALOGUE];
};
