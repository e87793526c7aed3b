import type { AuditContext } from "../context.js";
import { ActivityEntryResolvers, JSONScalar, activityLog } from "./activity-log.js";
import { exportActivityLog, renewActivityLogExportLink } from "./export.js";
import { activityStats, membersOf } from "./stats.js";
import { checkpointActivityLog, verifyActivityLog } from "./verify.js";

export const resolvers = {
  Query: {
    activityLog: (_: unknown, args: unknown, ctx: AuditContext) => activityLog(args, ctx),
    activityStats: (_: unknown, args: unknown, ctx: AuditContext) => activityStats(args, ctx),
    verifyActivityLog: (_: unknown, args: { workspaceId: string; full?: boolean | null }, ctx: AuditContext) =>
      verifyActivityLog(args, ctx),
  },
  Mutation: {
    exportActivityLog: (_: unknown, args: unknown, ctx: AuditContext) => exportActivityLog(args, ctx),
    renewActivityLogExportLink: (_: unknown, args: unknown, ctx: AuditContext) => renewActivityLogExportLink(args, ctx),
    checkpointActivityLog: (_: unknown, args: { workspaceId: string }, ctx: AuditContext) =>
      checkpointActivityLog(args, ctx),
  },
  ActivityEntry: ActivityEntryResolvers,
  ActivityStats: {
    members: (stats: Parameters<typeof membersOf>[0], args: unknown) => membersOf(stats, args),
  },
  // A scalar instance, passed to mercurius as is (the kit types resolver maps as objects of fields).
  JSON: JSONScalar as unknown as Record<string, unknown>,
};
