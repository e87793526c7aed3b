import type { Resolvers } from "../generated/graphql.js";
import { ActivityEntryResolvers, JSONScalar, activityLog } from "./activity-log.js";
import { exportActivityLog, renewActivityLogExportLink } from "./export.js";
import { activityStats, membersOf } from "./stats.js";
import { checkpointActivityLog, verifyActivityLog } from "./verify.js";

export const resolvers: Resolvers = {
  Query: {
    activityLog: (_, args, ctx) => activityLog(args, ctx),
    activityStats: (_, args, ctx) => activityStats(args, ctx),
    verifyActivityLog: (_, args, ctx) => verifyActivityLog(args, ctx),
  },
  Mutation: {
    exportActivityLog: (_, args, ctx) => exportActivityLog(args, ctx),
    renewActivityLogExportLink: (_, args, ctx) => renewActivityLogExportLink(args, ctx),
    checkpointActivityLog: (_, args, ctx) => checkpointActivityLog(args, ctx),
  },
  ActivityEntry: ActivityEntryResolvers,
  ActivityStats: {
    members: (stats, args) => membersOf(stats, args),
  },
  JSON: JSONScalar,
};
