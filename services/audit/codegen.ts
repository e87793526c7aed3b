import { subgraphCodegen } from "@support/service-kit/codegen";

export default subgraphCodegen({
  schema: "src/schema/audit.graphql",
  context: "../context.js#AuditContext",
  mappers: {
    ActivityEntry: "../db/entries.js#EntryRow",
    ActivityStats: "../domain/activity-stats.js#ActivityStats",
    ActivityLogExport: "../resolvers/ActivityLogExport.js#IssuedExport",
  },
  scalars: { JSON: { input: "unknown", output: "unknown" } },
});
