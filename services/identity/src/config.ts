import { httpUrl, loadConfigOrExit, serviceEnv, z } from "@support/config";

const positiveInt = z.coerce.number().int().positive();

export const identityEnv = {
  ...serviceEnv,
  SESSION_TTL_HOURS: positiveInt.default(24 * 14),
  /** Where identity asks the workspace service about permissions and memberships (docs/adr/0004). */
  WORKSPACE_SERVICE_URL: httpUrl,
  /** Failed sign-ins allowed per email within the window (credential stuffing on one account). */
  LOGIN_MAX_FAILURES_PER_EMAIL: positiveInt.default(5),
  /** Failed sign-ins allowed per client address within the window (spraying many accounts). */
  LOGIN_MAX_FAILURES_PER_ADDRESS: positiveInt.default(20),
  LOGIN_THROTTLE_WINDOW_SECONDS: positiveInt.default(15 * 60),
  INVITATION_TTL_DAYS: positiveInt.default(7),
};

export type IdentityConfig = z.infer<z.ZodObject<typeof identityEnv>>;

export const loadIdentityConfig = (env: NodeJS.ProcessEnv = process.env): IdentityConfig =>
  loadConfigOrExit(identityEnv, env);
