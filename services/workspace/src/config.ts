import { loadConfigOrExit, serviceEnv, type z } from "@support/config";

export const workspaceEnv = { ...serviceEnv };

export type WorkspaceConfig = z.infer<z.ZodObject<typeof workspaceEnv>>;

export const loadWorkspaceConfig = (env: NodeJS.ProcessEnv = process.env): WorkspaceConfig =>
  loadConfigOrExit(workspaceEnv, env);
