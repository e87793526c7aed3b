import { httpUrl, loadConfigOrExit, serviceEnv, type z } from "@support/config";

export const workspaceEnv = {
  ...serviceEnv,
  /** Where workspace asks identity, the owner of org roles, about other people (docs/adr/0004). */
  IDENTITY_SERVICE_URL: httpUrl,
};

export type WorkspaceConfig = z.infer<z.ZodObject<typeof workspaceEnv>>;

export const loadWorkspaceConfig = (env: NodeJS.ProcessEnv = process.env): WorkspaceConfig =>
  loadConfigOrExit(workspaceEnv, env);
