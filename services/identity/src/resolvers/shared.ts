import { forbidden, notFound, unauthenticated } from "@support/errors";
import type { UserActor } from "@support/actor-context";
import type { EventDataOf, FieldChange } from "@support/events";
import type { IdentityContext } from "../context.js";
import type { Db, Tx } from "../db/client.js";
import type { User } from "../db/generated/client.js";
import { isUuid } from "@support/validation";

/** People operations are for signed-in users; API keys are workspace-scoped and never manage people. */
export function requireUser(ctx: IdentityContext): UserActor {
  if (ctx.actor.kind === "anonymous") throw unauthenticated();
  if (ctx.actor.kind !== "user") throw forbidden("API keys cannot manage people");
  return ctx.actor;
}

/** A user of the actor's organisation; missing, malformed and foreign ids all answer NOT_FOUND. */
export async function loadOrgUser(db: Db | Tx, actor: UserActor, userId: string): Promise<User> {
  const user = isUuid(userId) ? await db.user.findUnique({ where: { id: userId } }) : null;
  if (!user || user.organisationId !== actor.organisationId) throw notFound("User");
  return user;
}

/**
 * Serialises the organisation's people changes: every transaction that checks "at least one
 * org admin remains" (or counts pending invitations) first locks the organisation row, so two
 * concurrent demotions cannot both see the other admin.
 */
export async function lockOrganisation(tx: Tx, organisationId: string): Promise<void> {
  await tx.$queryRaw`SELECT id FROM organisation WHERE id = ${organisationId}::uuid FOR UPDATE`;
}

export const userLabel = (user: Pick<User, "firstName" | "lastName">) => `${user.firstName} ${user.lastName}`;

export const userTarget = (user: User) => ({ type: "user" as const, id: user.id, label: userLabel(user) });

/**
 * `data` of every user.* event but user.deleted: the whole state the workspace service copies
 * (docs/adr/0004), with the row's version so that an older event cannot overwrite a newer one.
 */
export const userStateData = (user: User): EventDataOf<"user.updated"> => ({
  userId: user.id,
  orgRole: user.orgRole,
  status: user.status,
  email: user.email,
  firstName: user.firstName,
  lastName: user.lastName,
  aggregateVersion: user.version,
});

/** Every field set on creation, null -> value, for the activity log. */
export const creationChanges = (user: User): FieldChange[] =>
  (["firstName", "lastName", "email", "orgRole", "status"] as const).map((field) => ({
    field,
    old: null,
    new: user[field],
  }));

export function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === "object" && error !== null && "code" in error && (error as { code: unknown }).code === "P2002"
  );
}
