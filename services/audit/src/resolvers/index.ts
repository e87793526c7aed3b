import type { AuditContext } from "../context.js";
import { ActivityEntryResolvers, activityLog } from "./activity-log.js";

export const resolvers = {
  Query: {
    activityLog: (_: unknown, args: unknown, ctx: AuditContext) => activityLog(args, ctx),
  },
  ActivityEntry: ActivityEntryResolvers,
};
