export * from "./app.js";
export * from "./runtime.js";
export * from "./graphql-errors.js";
export * from "./permissions-client.js";
export * from "./people-client.js";
export {
  failIfUnavailable,
  postInternal,
  postJsonWithin,
  postToWorkspace,
  internalActorContext,
  type InternalAnswer,
  type InternalCallRequest,
} from "./internal-call.js";
export { countingPool, logSqlStatementsPerRequest } from "./sql-statements.js";
export {
  createTransactionPool,
  HOT_PATH_POOL,
  selectColumns,
  type PgTx,
  type SqlReader,
  type TransactionPool,
  type TransactionPoolOptions,
} from "./sql-transactions.js";
export { exposeMetrics, type MetricsConfig } from "./metrics.js";
export { Signer, type SigningPurpose } from "./signing.js";
export {
  CacheInvalidations,
  cacheInvalidationsFor,
  InvalidationFeed,
  invalidationFeedFor,
  invalidationSchema,
  readInvalidation,
  INVALIDATIONS_TOPIC,
  INVALIDATION_SEND_TIMEOUT_MS,
  MAX_IDS_PER_LIST,
  type CredentialRevocation,
  type Invalidation,
  type InvalidationHandler,
} from "./cache-invalidations.js";
export { CacheGuard, FreshnessFence, INVALIDATION_WINDOW_MS, type LookupToken } from "./invalidation-fence.js";
export { PermissionCache } from "./permission-cache.js";
export { csvWriter, neutraliseCell } from "./csv.js";
export {
  downloadFor,
  downloadToken,
  downloadRequesterOf,
  downloadRequesterSchema,
  signedDownload,
  registerDownloadRequester,
  renewDownload,
  DOWNLOAD_RENEWALS,
  type DownloadPurpose,
  type DownloadRequester,
  isDownloadToken,
  requesterOf,
  takeExportAllowance,
  type DownloadClaims,
} from "./downloads.js";
export { isDatabaseUnavailable, TRANSACTION_OPTIONS } from "./unavailable.js";
export { DateTime, URL, LocalDate, GRAPH_SCALARS, scalarResolversFor } from "./scalars.js";
export { pageInMemory, pagingWindow } from "./paging.js";
export { LeaseWorker, backoffSeconds } from "./lease-worker.js";
