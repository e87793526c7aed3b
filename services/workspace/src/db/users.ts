import DataLoader from "dataloader";
import type { Actor } from "@support/actor-context";
import type { Db } from "./client.js";

/**
 * identity's User as the gateway hands it here: its id, and the fields workspaceCount
 * `@requires` of identity (the organisation and the invitations the user accepted).
 */
export interface CountedUser {
  id: string;
  organisationId?: string | null;
  acceptedInvitationIds?: readonly string[] | null;
}

/**
 * The Users page's "number of workspaces" (SPEC section 3), on identity's User entity. Counted
 * within one organisation only, so nothing about another tenant can be learned: the caller's, or
 * for an anonymous caller (the answer of logIn, signUp or acceptInvitation, whose user identity
 * has just authenticated) the user's own as identity vouches for it through the gateway.
 * A membership an accepted invitation creates arrives through `invitation.accepted`; until then
 * the invitation's seat rows are still here (the event removes them in the transaction that adds
 * the membership), so they count instead: the answer reads after the acceptance, never twice.
 * One grouped query per page of users (a loader per request), not one per row.
 */
export function workspaceCountLoader(ctx: { actor: Actor; db: Db }): DataLoader<CountedUser, number, string> {
  return new DataLoader(
    async (users: readonly CountedUser[]) => {
      const organisationOf = (user: CountedUser): string | null =>
        ctx.actor.kind === "anonymous" ? (user.organisationId ?? null) : ctx.actor.organisationId;
      const byOrganisation = new Map<string, CountedUser[]>();
      for (const user of users) {
        const organisationId = organisationOf(user);
        if (organisationId) byOrganisation.set(organisationId, [...(byOrganisation.get(organisationId) ?? []), user]);
      }
      const counts = new Map<string, number>();
      for (const [organisationId, group] of byOrganisation) {
        const userIds = group.map((user) => user.id);
        const workspacesOf = new Map<string, Set<string>>();
        const invitationOwner = new Map<string, string>();
        for (const user of group) for (const id of user.acceptedInvitationIds ?? []) invitationOwner.set(id, user.id);
        if (invitationOwner.size > 0) {
          const arriving = await ctx.db.pendingInvitation.findMany({
            where: { invitationId: { in: [...invitationOwner.keys()] }, workspace: { organisationId } },
            select: { invitationId: true, workspaceId: true },
          });
          for (const { invitationId, workspaceId } of arriving) {
            const userId = invitationOwner.get(invitationId) as string;
            workspacesOf.set(userId, (workspacesOf.get(userId) ?? new Set()).add(workspaceId));
          }
        }
        // After the seat rows, never before: invitation.accepted swaps a row for a membership in one
        // transaction, so rows read first and memberships read second miss neither (a set: no twice).
        const memberships = await ctx.db.membership.findMany({
          where: { userId: { in: userIds }, workspace: { organisationId } },
          select: { userId: true, workspaceId: true },
        });
        for (const { userId, workspaceId } of memberships) {
          workspacesOf.set(userId, (workspacesOf.get(userId) ?? new Set()).add(workspaceId));
        }
        for (const user of group) counts.set(user.id, workspacesOf.get(user.id)?.size ?? 0);
      }
      return users.map((user) => counts.get(user.id) ?? 0);
    },
    { cacheKeyFn: (user) => user.id },
  );
}
