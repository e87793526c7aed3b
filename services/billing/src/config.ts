import { httpUrl, loadConfigOrExit, serviceEnv, type z } from "@support/config";

export const billingEnv = {
  ...serviceEnv,
  /** Base URL of the workspace service, for permission look-ups (docs/adr/0003). */
  WORKSPACE_SERVICE_URL: httpUrl,
};

export type BillingConfig = z.infer<z.ZodObject<typeof billingEnv>>;

export const loadBillingConfig = (env: NodeJS.ProcessEnv = process.env): BillingConfig =>
  loadConfigOrExit(billingEnv, env);
