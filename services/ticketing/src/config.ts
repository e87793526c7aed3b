import { httpUrl, loadConfigOrExit, serviceEnv, type z } from "@support/config";

export const ticketingEnv = {
  ...serviceEnv,
  /** Base URL of the workspace service, for permission look-ups (docs/adr/0003). */
  WORKSPACE_SERVICE_URL: httpUrl,
};

export type TicketingConfig = z.infer<z.ZodObject<typeof ticketingEnv>>;

export const loadTicketingConfig = (env: NodeJS.ProcessEnv = process.env): TicketingConfig =>
  loadConfigOrExit(ticketingEnv, env);
