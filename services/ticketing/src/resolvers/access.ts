import { forbidden, isAppError, notFound, unauthenticated } from "@support/errors";
import type { WorkspacePermissions } from "@support/service-kit";
import type { TicketingContext } from "../context.js";
import type { Ticket } from "../db/generated/client.js";
import { isInScope, ticketScope, type TicketScope } from "../domain/tickets.js";
import { isUuid } from "@support/validation";

export interface TicketAccess {
  access: WorkspacePermissions;
  scope: TicketScope;
}

export const actorUserId = (ctx: TicketingContext): string | null =>
  ctx.actor.kind === "user" ? ctx.actor.userId : null;

/** The caller's permissions and ticket scope in a workspace; NOT_FOUND when they may not see it. */
export async function workspaceAccess(ctx: TicketingContext, workspaceId: string): Promise<TicketAccess> {
  if (ctx.actor.kind === "anonymous") throw unauthenticated();
  if (!isUuid(workspaceId)) throw notFound("Workspace");
  const access = await ctx.permissions.forWorkspace(workspaceId);
  return { access, scope: ticketScope(access, actorUserId(ctx)) };
}

export function requirePermission(access: WorkspacePermissions, ...permissions: string[]): void {
  for (const permission of permissions)
    if (!access.permissions.includes(permission)) throw forbidden(`Missing permission ${permission}`);
}

/**
 * A ticket the caller may act on. Missing, of a workspace the caller cannot see, or outside the
 * caller's ticket access: the same NOT_FOUND. Seen but without `permissions`: FORBIDDEN.
 */
export async function visibleTicket(
  ctx: TicketingContext,
  id: string,
  ...permissions: string[]
): Promise<{ ticket: Ticket } & TicketAccess> {
  if (ctx.actor.kind === "anonymous") throw unauthenticated();
  const ticket = isUuid(id) ? await ctx.tickets.load(id) : null;
  if (!ticket) throw notFound("Ticket");
  let found: TicketAccess;
  try {
    found = await workspaceAccess(ctx, ticket.workspaceId);
  } catch (error) {
    if (isAppError(error) && error.code === "NOT_FOUND") throw notFound("Ticket");
    throw error;
  }
  if (!isInScope(ticket, found.scope)) throw notFound("Ticket");
  requirePermission(found.access, ...permissions);
  return { ticket, ...found };
}
