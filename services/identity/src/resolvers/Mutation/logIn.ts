import { z } from "zod";
import { unauthenticated } from "@support/errors";
import { parseInput } from "@support/validation";
import { openSession } from "../../db/sessions.js";
import { userByEmail } from "../../db/users.js";
import { emailSchema, normaliseEmail } from "../../domain/credentials.js";
import { verifyPassword } from "../../domain/passwords.js";
import { throttleKeys } from "../../domain/throttle.js";
import { ownUserEvent, publish } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";

const logInInput = z.object({ email: emailSchema, password: z.string().min(1, "must not be empty") });

/** Email and password; only ACTIVE users sign in, and failures are throttled per email and per client address. */
export const logIn: MutationResolvers["logIn"] = async (_, args, ctx) => {
  const input = parseInput(logInInput, args.input, ["input"]);
  const keys = throttleKeys(input.email, ctx.clientAddress);
  // Counted before the password is checked: while blocked, even the right password is refused.
  await ctx.throttle.reserve(keys);
  const user = await userByEmail(ctx.db, normaliseEmail(input.email));
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
      ...ownUserEvent(user),
      data: {},
    });
    return { token, user };
  });
};
