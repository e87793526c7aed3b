import type { Actor } from "@support/actor-context";
import { forbidden, isAppError, notFound, unauthenticated } from "@support/errors";
import { authorize, requirePermission, type Permission } from "@support/permissions";
import type { PermissionsClient, WorkspacePermissions } from "@support/service-kit";
import type { FastifyRequest } from "fastify";
import { isUuid } from "@support/validation";
import type { TicketingContext } from "./context.js";
import { findTicketField } from "./db/fields.js";
import type { Ticket, TicketField, TicketReply } from "./db/generated/client.js";
import { notificationWorkspaces, type NotificationVisibility } from "./db/notifications.js";
import { findReply } from "./db/replies.js";
import { isInScope, ticketScope, type TicketScope } from "./domain/tickets.js";

/**
 * How ticketing learns the caller's standing: `authorize(ctx, workspaceId, ...permissions)` asks
 * `ctx.workspaces` (the workspace service, docs/adr/0003). Below, the checks of objects that
 * belong to a workspace, built on it: an object the caller may not see is NOT_FOUND as itself.
 */

/** An internal route's source of the forwarded actor's standing, per request (`permissionLookups`). */
export type RequestWorkspaces = (request: Pick<FastifyRequest, "headers" | "id" | "actorContext">) => PermissionsClient;

export const actorUserId = (actor: Actor): string | null => (actor.kind === "user" ? actor.userId : null);

/** The tickets the caller sees in a workspace, by the role's ticket access. */
export const callerTicketScope = (actor: Actor, grant: WorkspacePermissions): TicketScope =>
  ticketScope(grant, actorUserId(actor));

/** `check`'s answer, with its NOT_FOUND (the workspace's) told as `what`'s: the caller learns nothing of the workspace. */
async function missingAs<T>(what: string, check: Promise<T>): Promise<T> {
  try {
    return await check;
  } catch (error) {
    if (isAppError(error) && error.code === "NOT_FOUND") throw notFound(what);
    throw error;
  }
}

/**
 * A ticket the caller may act on. Missing, of a workspace the caller cannot see, or outside the
 * caller's ticket access: the same NOT_FOUND. Seen but without `permissions`: FORBIDDEN.
 */
export async function visibleTicket(
  ctx: TicketingContext,
  id: string,
  ...permissions: Permission[]
): Promise<{ ticket: Ticket; grant: WorkspacePermissions }> {
  if (ctx.actor.kind === "anonymous") throw unauthenticated();
  const ticket = isUuid(id) ? await ctx.tickets.load(id) : null;
  if (!ticket) throw notFound("Ticket");
  const grant = await missingAs("Ticket", authorize(ctx, ticket.workspaceId));
  if (!isInScope(ticket, callerTicketScope(ctx.actor, grant))) throw notFound("Ticket");
  requirePermission(grant, ...permissions);
  return { ticket, grant };
}

/** A custom field of a workspace where the caller holds `permission`; NOT_FOUND where they may not see it. */
export async function visibleTicketField(
  ctx: TicketingContext,
  id: string,
  permission: Permission,
): Promise<{ field: TicketField; grant: WorkspacePermissions }> {
  const field = isUuid(id) ? await findTicketField(ctx.db, id) : null;
  if (!field) throw notFound("TicketField");
  const grant = await missingAs("TicketField", authorize(ctx, field.workspaceId, permission));
  return { field, grant };
}

/** A reply of a ticket the caller may act on with `permission`; NOT_FOUND where they may not see the ticket. */
export async function visibleReply(
  ctx: TicketingContext,
  id: string,
  permission: Permission,
): Promise<{ reply: TicketReply; ticket: Ticket; grant: WorkspacePermissions }> {
  const reply = isUuid(id) ? await findReply(ctx.db, id) : null;
  if (!reply) throw notFound("TicketReply");
  return { reply, ...(await missingAs("TicketReply", visibleTicket(ctx, reply.ticketId, permission))) };
}

/** The caller as the recipient of notifications: a signed-in person (an API key has none). */
export function notificationRecipient(ctx: TicketingContext): { userId: string; organisationId: string } {
  if (ctx.actor.kind === "anonymous") throw unauthenticated();
  if (ctx.actor.kind === "apiKey") throw forbidden("Notifications are for people; an API key has none");
  return { userId: ctx.actor.userId, organisationId: ctx.actor.organisationId };
}

/**
 * What of the caller's notifications they may see now, asked of the workspace service for each
 * workspace they have notifications in (one batched, cached look-up): a workspace they left, or
 * whose tickets are switched off for them, hides its notifications, and a narrower ticket access
 * hides those about tickets it no longer covers.
 */
export async function notificationVisibility(ctx: TicketingContext): Promise<NotificationVisibility> {
  const { userId, organisationId } = notificationRecipient(ctx);
  const workspaceIds = await notificationWorkspaces(ctx.db, { userId, organisationId });
  const grants = await Promise.all(
    workspaceIds.map((workspaceId) =>
      authorize(ctx, workspaceId).catch((error: unknown) => {
        if (isAppError(error) && error.code === "NOT_FOUND") return null;
        throw error;
      }),
    ),
  );
  const visibility: NotificationVisibility = { userId, organisationId, allTickets: [], scoped: [] };
  for (const grant of grants) {
    if (!grant?.permissions.includes("tickets:view")) continue;
    const scope = ticketScope(grant, userId);
    if (scope.all) visibility.allTickets.push(grant.workspaceId);
    else visibility.scoped.push({ workspaceId: grant.workspaceId, teamIds: scope.teamIds });
  }
  return visibility;
}
