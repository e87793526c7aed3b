import { baseUrlList, httpUrl, loadConfigOrExit, serviceEnv, type z } from "@support/config";

export const workspaceEnv = {
  ...serviceEnv,
  /** Every gateway, told about revoked credentials before a mutation answers (docs/adr/0011). */
  GATEWAY_URLS: baseUrlList,
  /** Every ticketing, billing and audit instance, told which workspaces changed (docs/adr/0003). */
  PERMISSION_CACHE_URLS: baseUrlList,
  /** Where workspace asks identity, the owner of org roles, about other people (docs/adr/0004). */
  IDENTITY_SERVICE_URL: httpUrl,
  /** Where the workspace-data export fetches the tickets' and the activity log's files. */
  TICKETING_SERVICE_URL: httpUrl,
  AUDIT_SERVICE_URL: httpUrl,
  /** The gateway's public origin, which download links point at (default: links relative to it). */
  DOWNLOAD_BASE_URL: httpUrl.optional(),
};

export type WorkspaceConfig = z.infer<z.ZodObject<typeof workspaceEnv>>;

export const loadWorkspaceConfig = (env: NodeJS.ProcessEnv = process.env): WorkspaceConfig =>
  loadConfigOrExit(workspaceEnv, env);
