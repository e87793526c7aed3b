import { z } from "zod";
import { conflict, forbidden, unauthenticated } from "@support/errors";
import { entityNameText, parseInput, personNameText } from "@support/validation";
import {
  emailSchema,
  hashToken,
  newSessionToken,
  normaliseEmail,
  passwordSchema,
  sessionExpiry,
} from "../domain/credentials.js";
import { hashPassword, verifyPassword } from "../domain/passwords.js";
import { throttleKeys } from "../domain/throttle.js";
import { publish } from "../events/publish.js";
import { creationChanges, isUniqueViolation, userStateData, userTarget } from "./shared.js";
import type { Tx } from "../db/client.js";
import type { IdentityContext } from "../context.js";
import type { User } from "../db/generated/client.js";
import type { MutationLogInArgs, MutationSignUpArgs } from "../generated/graphql.js";

export const signUpInput = z.object({
  organisationName: entityNameText(),
  firstName: personNameText(),
  lastName: personNameText(),
  email: emailSchema,
  password: passwordSchema,
});

export const logInInput = z.object({ email: emailSchema, password: z.string().min(1, "must not be empty") });

export async function openSession(tx: Tx, user: User, ttlHours: number): Promise<string> {
  const token = newSessionToken();
  await tx.session.create({
    data: { userId: user.id, tokenHash: hashToken(token), expiresAt: sessionExpiry(new Date(), ttlHours) },
  });
  return token;
}

export async function signUp(args: MutationSignUpArgs, ctx: IdentityContext) {
  const input = parseInput(signUpInput, args.input, ["input"]);
  const passwordHash = await hashPassword(input.password);
  try {
    return await ctx.db.$transaction(async (tx) => {
      const organisation = await tx.organisation.create({ data: { name: input.organisationName } });
      const user = await tx.user.create({
        data: {
          organisationId: organisation.id,
          firstName: input.firstName,
          lastName: input.lastName,
          email: input.email,
          emailNormalized: normaliseEmail(input.email),
          passwordHash,
          orgRole: "ORG_ADMIN",
        },
      });
      const actor = { type: "user" as const, id: user.id };
      await publish(
        tx,
        {
          type: "organisation.created",
          workspaceId: null,
          organisationId: organisation.id,
          actor,
          target: { type: "organisation", id: organisation.id, label: organisation.name },
          changes: [{ field: "name", old: null, new: organisation.name }],
          data: { name: organisation.name },
        },
        {
          type: "user.signed_up",
          workspaceId: null,
          organisationId: organisation.id,
          actor,
          target: userTarget(user),
          changes: creationChanges(user),
          data: userStateData(user),
        },
      );
      const token = await openSession(tx, user, ctx.config.SESSION_TTL_HOURS);
      return { token, user };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict("An account with this email already exists");
    throw error;
  }
}

export async function logIn(args: MutationLogInArgs, ctx: IdentityContext) {
  const input = parseInput(logInInput, args.input, ["input"]);
  const keys = throttleKeys(input.email, ctx.clientAddress);
  // Counted before the password is checked: while blocked, even the right password is refused.
  await ctx.throttle.reserve(keys);
  const user = await ctx.db.user.findUnique({ where: { emailNormalized: normaliseEmail(input.email) } });
  const passwordOk = await verifyPassword(user?.passwordHash ?? null, input.password);
  // One message for unknown email, wrong password and inactive account: no account enumeration.
  if (!user || !passwordOk || user.status !== "ACTIVE") {
    throw unauthenticated("Invalid email or password");
  }
  await ctx.throttle.recordSuccess(keys);
  return ctx.db.$transaction(async (tx) => {
    const token = await openSession(tx, user, ctx.config.SESSION_TTL_HOURS);
    await publish(tx, {
      type: "user.logged_in",
      workspaceId: null,
      organisationId: user.organisationId,
      actor: { type: "user", id: user.id },
      target: userTarget(user),
      data: {},
    });
    return { token, user };
  });
}

export async function logOut(ctx: IdentityContext): Promise<boolean> {
  if (ctx.actor.kind === "anonymous") throw unauthenticated();
  if (ctx.actor.kind === "apiKey") throw forbidden("An API key has no session to end; revoke the key instead");
  await ctx.db.session.updateMany({
    where: { id: ctx.actor.sessionId, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  await ctx.invalidations.credentials({ sessionIds: [ctx.actor.sessionId] });
  return true;
}
