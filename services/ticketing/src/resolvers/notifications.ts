import { z } from "zod";
import { forbidden, invalidInput, isAppError, notFound, unauthenticated } from "@support/errors";
import { pagingWindow } from "@support/service-kit";
import { connectionOf } from "@support/validation";
import type { TicketingContext } from "../context.js";
import {
  countNotifications,
  findNotifications,
  markNotificationsRead as markRead,
  notificationWorkspaces,
  visibleNotificationIds,
  type NotificationVisibility,
} from "../db/notifications.js";
import { notificationCursorCodec, notificationKeyOf } from "../domain/notifications.js";
import { ticketScope } from "../domain/tickets.js";
import { visibleTicket } from "./access.js";
import type {
  MutationMarkNotificationsReadArgs,
  NotificationResolvers as NotificationFields,
  QueryNotificationsArgs,
} from "../generated/graphql.js";

/** The most ids one markNotificationsRead names (a page is at most 100). */
const MAX_IDS = 100;

/** The caller as a recipient: a signed-in person. */
function recipientOf(ctx: TicketingContext): { userId: string; organisationId: string } {
  if (ctx.actor.kind === "anonymous") throw unauthenticated();
  if (ctx.actor.kind === "apiKey") throw forbidden("Notifications are for people; an API key has none");
  return { userId: ctx.actor.userId, organisationId: ctx.actor.organisationId };
}

/**
 * What of the caller's notifications they may see now, asked of the workspace service for each
 * workspace they have notifications in (one batched, cached look-up): a workspace they left, or
 * whose tickets are switched off for them, hides its notifications, and a narrower ticket access
 * hides those about tickets it no longer covers. Notifications are people's: an API key has none.
 */
async function visibilityFor(ctx: TicketingContext): Promise<NotificationVisibility> {
  const { userId, organisationId } = recipientOf(ctx);
  const workspaceIds = await notificationWorkspaces(ctx.db, { userId, organisationId });
  const answers = await Promise.all(
    workspaceIds.map((workspaceId) =>
      ctx.permissions.forWorkspace(workspaceId).catch((error: unknown) => {
        if (isAppError(error) && error.code === "NOT_FOUND") return null;
        throw error;
      }),
    ),
  );
  const visibility: NotificationVisibility = { userId, organisationId, allTickets: [], scoped: [] };
  for (const access of answers) {
    if (!access?.permissions.includes("tickets:view")) continue;
    const scope = ticketScope(access, userId);
    if (scope.all) visibility.allTickets.push(access.workspaceId);
    else visibility.scoped.push({ workspaceId: access.workspaceId, teamIds: scope.teamIds });
  }
  return visibility;
}

const listArgs = z.object({ unreadOnly: z.boolean().nullish() });

/** The caller's notifications, newest first, across their workspaces; only those they may still see. */
export async function listNotifications(args: QueryNotificationsArgs, ctx: TicketingContext) {
  recipientOf(ctx);
  const window = pagingWindow(args, notificationCursorCodec);
  const parsed = listArgs.safeParse({ unreadOnly: args.unreadOnly });
  if (!parsed.success) throw invalidInput(parsed.error.issues);
  const unreadOnly = parsed.data.unreadOnly ?? false;
  const visibility = await visibilityFor(ctx);
  const rows = await findNotifications(ctx.db, {
    visibility,
    unreadOnly,
    from: window.from,
    backward: window.backward,
    limit: window.size + 1,
  });
  return {
    ...connectionOf(rows, window, notificationKeyOf, notificationCursorCodec),
    // Counted only when asked for (the default resolver calls it).
    totalCount: () => countNotifications(ctx.db, visibility, unreadOnly),
  };
}

const uuid = z.string().uuid("must be an id");
const markInput = z
  .object({
    ids: z.array(uuid).min(1, "must name at least one").max(MAX_IDS, `must be at most ${MAX_IDS}`).nullish(),
    all: z.boolean().nullish(),
  })
  .superRefine((input, context) => {
    const byIds = Boolean(input.ids);
    const all = input.all === true;
    if (byIds && all) context.addIssue({ code: "custom", path: ["all"], message: "give ids or all, not both" });
    if (!byIds && !all) context.addIssue({ code: "custom", path: ["ids"], message: "is required unless all is true" });
  });

/**
 * Marks the caller's notifications read: the ones named (all or nothing: any id that is not a
 * notification the caller sees now — another person's, another organisation's, one about a
 * ticket they can no longer see, or none at all — is NOT_FOUND and nothing is marked), or every
 * one they see (`all`). Answers how many were unread and are read now; marking again marks 0.
 */
export async function markNotificationsRead(args: MutationMarkNotificationsReadArgs, ctx: TicketingContext) {
  recipientOf(ctx);
  const parsed = markInput.safeParse(args.input);
  if (!parsed.success) throw invalidInput(parsed.error.issues, ["input"]);
  const visibility = await visibilityFor(ctx);
  const ids = parsed.data.ids ? [...new Set(parsed.data.ids.map((id) => id.toLowerCase()))] : null;
  if (ids) {
    const visible = await visibleNotificationIds(ctx.db, visibility, ids);
    if (visible.length < ids.length) throw notFound("Notification");
  }
  return { marked: await markRead(ctx.db, visibility, ids, new Date()) };
}

export const NotificationResolvers: NotificationFields = {
  read: (notification) => notification.readAt !== null,
  /** The ticket as `ticket(id)` answers it; null once the caller may no longer see it. */
  ticket: async (notification, _, ctx) => {
    try {
      return (await visibleTicket(ctx, notification.ticketId, "tickets:view")).ticket;
    } catch (error) {
      // Seen when the list was read, gone since (or tickets:view lost meanwhile): as if missing.
      if (isAppError(error) && (error.code === "NOT_FOUND" || error.code === "FORBIDDEN")) return null;
      throw error;
    }
  },
};
