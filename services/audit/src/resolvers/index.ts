import type { Resolvers } from "../generated/graphql.js";
import { ActivityEntry } from "./ActivityEntry.js";
import { ActivityLogExport } from "./ActivityLogExport.js";
import { ActivityStats } from "./ActivityStats.js";
import { JSONScalar } from "./JSON.js";
import { checkpointActivityLog } from "./Mutation/checkpointActivityLog.js";
import { exportActivityLog } from "./Mutation/exportActivityLog.js";
import { renewActivityLogExportLink } from "./Mutation/renewActivityLogExportLink.js";
import { activityLog } from "./Query/activityLog.js";
import { activityStats } from "./Query/activityStats.js";
import { verifyActivityLog } from "./Query/verifyActivityLog.js";

export const resolvers: Resolvers = {
  Query: { activityLog, activityStats, verifyActivityLog },
  Mutation: { exportActivityLog, renewActivityLogExportLink, checkpointActivityLog },
  ActivityEntry,
  ActivityStats,
  ActivityLogExport,
  JSON: JSONScalar,
};
