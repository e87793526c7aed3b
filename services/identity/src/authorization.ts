import type { UserActor } from "@support/actor-context";
import { forbidden, isAppError, notFound, unauthenticated } from "@support/errors";
import { authorize, type AuthorizationContext } from "@support/permissions";
import type { WorkspaceAccess } from "@support/service-kit";
import { isUuid } from "@support/validation";
import type { IdentityContext } from "./context.js";
import type { Db, Tx } from "./db/client.js";
import type { Organisation, User } from "./db/generated/client.js";
import { invitationById, type InvitationWithWorkspaces } from "./db/invitations.js";
import { lockOrganisation } from "./db/organisations.js";
import { adminsAndPerson } from "./db/users.js";
import { assertKeepsAnAdmin, assertNotSelf, assertOrgAdmin, type PersonChange } from "./domain/people.js";

/**
 * How identity learns the caller's standing: the organisation and the org role are the actor's
 * (signed by the gateway); a workspace standing comes from the workspace service, the authority
 * on it (`ctx.workspaces`, docs/adr/0004), through `authorize`. Below, the checks of the objects
 * identity keeps: another organisation's user or invitation is NOT_FOUND, as a missing one.
 */

/** People operations are for signed-in users; API keys are workspace-scoped and never manage people. */
export function requireUser(ctx: IdentityContext): UserActor {
  if (ctx.actor.kind === "anonymous") throw unauthenticated();
  if (ctx.actor.kind !== "user") throw forbidden("API keys cannot manage people");
  return ctx.actor;
}

/**
 * An org admin acting on another person of the organisation (SPEC section 1): `action` names what
 * only org admins may do, `onSelf` what nobody does to themselves (both FORBIDDEN).
 */
export function requireOrgAdminOver(
  ctx: IdentityContext,
  userId: string,
  action: { action: string; onSelf: string },
): UserActor {
  const actor = requireUser(ctx);
  assertOrgAdmin(actor, action.action);
  assertNotSelf(actor.userId, userId, action.onSelf);
  return actor;
}

/** A user of the actor's organisation; missing, malformed and foreign ids all answer NOT_FOUND. */
export async function orgUser(db: Db | Tx, actor: UserActor, userId: string): Promise<User> {
  const user = isUuid(userId) ? await db.user.findUnique({ where: { id: userId } }) : null;
  if (!user || user.organisationId !== actor.organisationId) throw notFound("User");
  return user;
}

/**
 * Runs an org-role/status/deletion change of one person in a transaction holding the
 * organisation's lock, re-checking there what the request was authorized with (the actor is
 * still an active org admin) and that an active org admin remains.
 */
export async function changeOrgPerson<T>(
  ctx: IdentityContext,
  actor: UserActor,
  change: PersonChange,
  write: (tx: Tx, target: User) => Promise<T>,
): Promise<T> {
  if (!isUuid(change.userId)) throw notFound("User");
  const result = await ctx.db.$transaction(async (tx) => {
    await lockOrganisation(tx, actor.organisationId);
    const people = await adminsAndPerson(tx, actor.organisationId, change.userId);
    const me = people.find((person) => person.id === actor.userId);
    if (!me || me.orgRole !== "ORG_ADMIN" || me.status !== "ACTIVE") {
      throw forbidden("Only organisation admins can do this");
    }
    const target = await orgUser(tx, actor, change.userId);
    assertKeepsAnAdmin(people, change);
    return write(tx, target);
  });
  // The person's sessions may now be refused or carry another org role: every gateway forgets them
  // (the invalidation is in Kafka before this answers, docs/adr/0011).
  await ctx.invalidations.credentials({ userIds: [change.userId] });
  return result;
}

/** Another organisation's user answers exactly as a missing one: null, then NOT_FOUND at the edge. */
export function visibleUser(ctx: IdentityContext, user: User | null): User | null {
  if (!user) return null;
  if (ctx.actor.kind === "anonymous") return null;
  return user.organisationId === ctx.actor.organisationId ? user : null;
}

/** Only the caller's own organisation is visible; any other answers NOT_FOUND, as a missing one. */
export function visibleOrganisation(ctx: IdentityContext, organisation: Organisation | null): Organisation {
  if (!organisation || ctx.actor.kind === "anonymous" || organisation.id !== ctx.actor.organisationId) {
    throw notFound("Organisation");
  }
  return organisation;
}

/** An invitation of the actor's organisation; missing, malformed and foreign ids all answer NOT_FOUND. */
export async function orgInvitation(
  ctx: IdentityContext,
  actor: UserActor,
  id: string,
): Promise<InvitationWithWorkspaces> {
  const invitation = isUuid(id) ? await invitationById(ctx.db, id) : null;
  if (!invitation || invitation.organisationId !== actor.organisationId) throw notFound("Invitation");
  return invitation;
}

/** `authorize`'s source of the caller's workspace standing: the workspace service's answer, memoised per request. */
const workspaceStanding = (ctx: IdentityContext): AuthorizationContext<WorkspaceAccess> => ({
  actor: ctx.actor,
  workspaces: { forWorkspace: (workspaceId) => ctx.workspaces.access(workspaceId) },
});

/** The inviter's rights again: members:invite in every workspace of the invitation (org admins: all). */
export async function requireInviterRights(
  ctx: IdentityContext,
  actor: UserActor,
  invitation: InvitationWithWorkspaces,
  verb: "revoke" | "resend",
): Promise<void> {
  if (actor.orgRole === "ORG_ADMIN") return;
  for (const workspace of invitation.workspaces) {
    // A workspace the caller may not see (NOT_FOUND) is one they cannot invite into; any other
    // failure (the workspace service down) is an error, not a refusal.
    const grant = await authorize(workspaceStanding(ctx), workspace.workspaceId).catch((error: unknown) => {
      if (isAppError(error) && error.code === "NOT_FOUND") return null;
      throw error;
    });
    if (!grant?.permissions.includes("members:invite")) {
      throw forbidden(`You can ${verb} only invitations into workspaces where you may invite`);
    }
  }
}
