import type { UserActor } from "@support/actor-context";
import {
  eventActor,
  eventScope,
  outboxPublisher,
  type EventActor,
  type EventDataOf,
  type FieldChange,
  type NewEvent,
} from "@support/events";
import type { InvitationWithWorkspaces } from "../db/invitations.js";
import type { InvitationWorkspace, User } from "../db/generated/client.js";

/**
 * Identity's events go through its outbox (`identity.events`), in the caller's transaction:
 * `await publish(tx, { type, workspaceId: null, organisationId, actor: eventActor(actor), … })`.
 * Events about people and the organisation concern no workspace; invitations' concern each of theirs.
 */
export const publish = outboxPublisher("identity");

const userLabel = (user: Pick<User, "firstName" | "lastName">) => `${user.firstName} ${user.lastName}`;

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

/**
 * The envelope of a user.* event about `user` as they sign themselves in (signUp, logIn,
 * acceptInvitation, resetPassword): the caller is anonymous until then, so the user is the actor.
 */
export const ownUserEvent = (user: User) => ({
  workspaceId: null,
  organisationId: user.organisationId,
  actor: { type: "user" as const, id: user.id },
  target: userTarget(user),
});

/** The envelope of a user.* event `actor` made about `user`, carrying the user's whole new state. */
export const userStateEvent = (actor: UserActor, user: User) => ({
  workspaceId: null,
  organisationId: actor.organisationId,
  actor: eventActor(actor),
  target: userTarget(user),
  data: userStateData(user),
});

/** Every field set on creation, null -> value, for the activity log. */
export const creationChanges = (user: User): FieldChange[] =>
  (["firstName", "lastName", "email", "orgRole", "status"] as const).map((field) => ({
    field,
    old: null,
    new: user[field],
  }));

/** One event per workspace of the invitation, as the workspace service keeps one copy per workspace. */
export function invitationEvents<T extends "invitation.sent" | "invitation.accepted" | "invitation.revoked">(
  invitation: InvitationWithWorkspaces,
  actor: EventActor,
  type: T,
  build: (workspace: InvitationWorkspace) => { changes: FieldChange[]; data: EventDataOf<T> },
): NewEvent<T>[] {
  return invitation.workspaces.map((workspace) => ({
    type,
    ...eventScope({ id: workspace.workspaceId, organisationId: invitation.organisationId }),
    actor,
    target: { type: "invitation" as const, id: invitation.id, label: invitation.email },
    ...build(workspace),
  }));
}
