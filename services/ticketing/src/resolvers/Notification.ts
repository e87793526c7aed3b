import { isAppError } from "@support/errors";
import { visibleTicket } from "../authorization.js";
import type { NotificationResolvers } from "../generated/graphql.js";

export const Notification: NotificationResolvers = {
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
