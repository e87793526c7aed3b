export * from "./app.js";
export * from "./runtime.js";
export * from "./graphql-errors.js";
export * from "./permissions-client.js";
export * from "./people-client.js";
export { postInternal, postToWorkspace } from "./workspace-call.js";
export { countingPool, logSqlStatementsPerRequest } from "./sql-statements.js";
export { Signer, type SigningPurpose } from "./signing.js";
export { csvWriter, neutraliseCell } from "./csv.js";
