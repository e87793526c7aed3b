import { z } from "zod";
import { pagingWindow } from "@support/service-kit";
import { connectionOf, parseInput } from "@support/validation";
import { notificationRecipient, notificationVisibility } from "../../authorization.js";
import { countNotifications, findNotifications } from "../../db/notifications.js";
import { notificationCursorCodec, notificationKeyOf } from "../../domain/notifications.js";
import type { QueryResolvers } from "../../generated/graphql.js";

const listArgs = z.object({ unreadOnly: z.boolean().nullish() });

/** The caller's notifications, newest first, across their workspaces; only those they may still see. */
export const notifications: QueryResolvers["notifications"] = async (_, args, ctx) => {
  notificationRecipient(ctx);
  const window = pagingWindow(args, notificationCursorCodec);
  const unreadOnly = parseInput(listArgs, { unreadOnly: args.unreadOnly }).unreadOnly ?? false;
  const visibility = await notificationVisibility(ctx);
  const rows = await findNotifications(ctx.db, {
    visibility,
    unreadOnly,
    from: window.from,
    backward: window.backward,
    limit: window.size + 1,
  });
  return {
    ...connectionOf(rows, window, notificationKeyOf, notificationCursorCodec),
    totalCount: () => countNotifications(ctx.db, visibility, unreadOnly),
  };
};
