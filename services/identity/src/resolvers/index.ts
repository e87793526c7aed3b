import { notFound } from "@support/errors";
import type { IdentityContext } from "../context.js";
import type { User, Organisation } from "../db/generated/client.js";
import { logIn, logOut, signUp } from "./auth.js";

/** Another organisation's user answers exactly as a missing one: null, then NOT_FOUND at the edge. */
function visibleToActor(user: User | null, ctx: IdentityContext): User | null {
  if (!user) return null;
  if (ctx.actor.kind === "anonymous") return null;
  return user.organisationId === ctx.actor.organisationId ? user : null;
}

export const resolvers = {
  Query: {
    me: async (_: unknown, __: unknown, ctx: IdentityContext) =>
      ctx.actor.kind === "user" ? ctx.users.load(ctx.actor.userId) : null,
  },
  Mutation: {
    signUp: (_: unknown, args: { input: unknown }, ctx: IdentityContext) => signUp(args, ctx),
    logIn: (_: unknown, args: { input: unknown }, ctx: IdentityContext) => logIn(args, ctx),
    logOut: (_: unknown, __: unknown, ctx: IdentityContext) => logOut(ctx),
  },
  User: {
    __resolveReference: async (ref: { id: string }, ctx: IdentityContext) => {
      const user = visibleToActor(await ctx.users.load(ref.id), ctx);
      if (!user) throw notFound("User");
      return user;
    },
    organisation: async (user: User, _: unknown, ctx: IdentityContext) => ctx.organisations.load(user.organisationId),
    createdAt: (user: User) => user.createdAt.toISOString(),
  },
  Organisation: {
    __resolveReference: async (ref: { id: string }, ctx: IdentityContext): Promise<Organisation> => {
      const organisation = await ctx.organisations.load(ref.id);
      if (!organisation || ctx.actor.kind === "anonymous" || organisation.id !== ctx.actor.organisationId) {
        throw notFound("Organisation");
      }
      return organisation;
    },
  },
};
