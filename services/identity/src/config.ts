import { loadConfigOrExit, serviceEnv, z } from "@support/config";

export const identityEnv = {
  ...serviceEnv,
  SESSION_TTL_HOURS: z.coerce
    .number()
    .int()
    .positive()
    .default(24 * 14),
};

export type IdentityConfig = z.infer<z.ZodObject<typeof identityEnv>>;

export const loadIdentityConfig = (env: NodeJS.ProcessEnv = process.env): IdentityConfig =>
  loadConfigOrExit(identityEnv, env);
