import type { UserResolvers } from "../generated/graphql.js";

export const User: UserResolvers = {
  __resolveReference: (ref) => ref,
  /** The Users page's "number of workspaces" (SPEC section 3), batched per request (db/users.ts). */
  workspaceCount: (user, _, ctx) => ctx.workspaceCounts.load(user),
};
