import { z } from "zod";
import { conflict } from "@support/errors";
import { entityNameText, parseInput, personNameText } from "@support/validation";
import { isUniqueViolation } from "../../db/client.js";
import { openSession } from "../../db/sessions.js";
import { emailSchema, normaliseEmail, passwordSchema } from "../../domain/credentials.js";
import { hashPassword } from "../../domain/passwords.js";
import { creationChanges, ownUserEvent, publish, userStateData } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";

const signUpInput = z.object({
  organisationName: entityNameText(),
  firstName: personNameText(),
  lastName: personNameText(),
  email: emailSchema,
  password: passwordSchema,
});

/** A new organisation and its first user, an org admin, signed in. */
export const signUp: MutationResolvers["signUp"] = async (_, args, ctx) => {
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
      const { actor } = ownUserEvent(user);
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
          ...ownUserEvent(user),
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
};
