export * from "./app.js";
export * from "./runtime.js";
export * from "./graphql-errors.js";
export * from "./permissions-client.js";
export * from "./people-client.js";
export { postInternal, postToWorkspace, internalActorContext, type InternalCallRequest } from "./workspace-call.js";
export { countingPool, logSqlStatementsPerRequest } from "./sql-statements.js";
export { Signer, type SigningPurpose } from "./signing.js";
export { CredentialRevocations, type CredentialRevocation } from "./credential-revocations.js";
export { Announcer } from "./announcements.js";
export { PermissionCache, PERMISSION_CHANGES_PATH, MAX_CHANGED_WORKSPACES } from "./permission-cache.js";
export { csvWriter, neutraliseCell } from "./csv.js";
export {
  downloadFor,
  downloadToken,
  isDownloadToken,
  requesterOf,
  takeExportAllowance,
  type DownloadClaims,
} from "./downloads.js";
