import { z } from "zod";
import { notFound } from "@support/errors";
import { parseInput } from "@support/validation";
import { notificationRecipient, notificationVisibility } from "../../authorization.js";
import { markNotificationsRead as markRead, visibleNotificationIds } from "../../db/notifications.js";
import type { MutationResolvers } from "../../generated/graphql.js";

/** The most ids one markNotificationsRead names (a page is at most 100). */
const MAX_IDS = 100;

const markInput = z
  .object({
    ids: z
      .array(z.string().uuid("must be an id"))
      .min(1, "must name at least one")
      .max(MAX_IDS, `must be at most ${MAX_IDS}`)
      .nullish(),
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
export const markNotificationsRead: MutationResolvers["markNotificationsRead"] = async (_, args, ctx) => {
  notificationRecipient(ctx);
  const input = parseInput(markInput, args.input, ["input"]);
  const visibility = await notificationVisibility(ctx);
  const ids = input.ids ? [...new Set(input.ids.map((id) => id.toLowerCase()))] : null;
  if (ids) {
    const visible = await visibleNotificationIds(ctx.db, visibility, ids);
    if (visible.length < ids.length) throw notFound("Notification");
  }
  return { marked: await markRead(ctx.db, visibility, ids, new Date()) };
};
