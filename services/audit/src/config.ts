import { actorContextKeysSchema } from "@support/actor-context";
import { httpUrl, loadConfigOrExit, permissionCacheSeconds, serviceEnv, z } from "@support/config";

export const auditEnv = {
  ...serviceEnv,
  /** Base URL of the workspace service, for permission look-ups (docs/adr/0003). */
  WORKSPACE_SERVICE_URL: httpUrl,
  /** Base URL of the ticketing service: which tickets a reader may see, for redaction (docs/adr/0013). */
  TICKETING_SERVICE_URL: httpUrl,
  /** How long a permission answer is reused unless the workspace service announces a change (docs/adr/0003). */
  PERMISSION_CACHE_SECONDS: permissionCacheSeconds,
  /**
   * `kid:secret[,kid:secret…]` (secrets ≥ 32 characters): the first signs chain checkpoints and
   * export download links, all verify, so the key can be rotated (docs/adr/0008, 0009).
   */
  AUDIT_SIGNING_KEYS: actorContextKeysSchema,
  /** How often every chain whose head moved gets a signed checkpoint. */
  AUDIT_CHECKPOINT_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  /** The gateway's public origin, which download links point at (default: links relative to it). */
  DOWNLOAD_BASE_URL: httpUrl.optional(),
  /** How long an export's download link stays valid. */
  AUDIT_EXPORT_LINK_TTL_SECONDS: z.coerce.number().int().min(10).max(3_600).default(300),
};

export type AuditConfig = z.infer<z.ZodObject<typeof auditEnv>>;

export const loadAuditConfig = (env: NodeJS.ProcessEnv = process.env): AuditConfig => loadConfigOrExit(auditEnv, env);
