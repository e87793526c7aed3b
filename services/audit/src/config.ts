import { httpUrl, loadConfigOrExit, serviceEnv, type z } from "@support/config";

export const auditEnv = {
  ...serviceEnv,
  /** Base URL of the workspace service, for permission look-ups (docs/adr/0003). */
  WORKSPACE_SERVICE_URL: httpUrl,
};

export type AuditConfig = z.infer<z.ZodObject<typeof auditEnv>>;

export const loadAuditConfig = (env: NodeJS.ProcessEnv = process.env): AuditConfig => loadConfigOrExit(auditEnv, env);
