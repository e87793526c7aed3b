import { httpUrl, loadConfigOrExit, serviceEnv, type z } from "@support/config";

export const workspaceEnv = {
  ...serviceEnv,
  /** Where workspace asks identity, the owner of org roles, about other people (docs/adr/0004). */
  IDENTITY_SERVICE_URL: httpUrl,
  /** Where the workspace-data export fetches the tickets' and the activity log's files. */
  TICKETING_SERVICE_URL: httpUrl,
  AUDIT_SERVICE_URL: httpUrl,
  /** The gateway's public origin, which download links point at: the API answers them as absolute URLs. */
  DOWNLOAD_BASE_URL: httpUrl,
};

export type WorkspaceConfig = z.infer<z.ZodObject<typeof workspaceEnv>>;

export const loadWorkspaceConfig = (env: NodeJS.ProcessEnv = process.env): WorkspaceConfig =>
  loadConfigOrExit(workspaceEnv, env);
