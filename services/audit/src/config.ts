import { actorContextKeysSchema } from "@support/actor-context";
import { httpUrl, loadConfigOrExit, permissionCacheSeconds, serviceEnv, z } from "@support/config";

export const auditEnv = {
  ...serviceEnv,
  /** Base URL of the workspace service, for permission look-ups (docs/adr/0003). */
  WORKSPACE_SERVICE_URL: httpUrl,
  /** Base URL of the ticketing service: which tickets a reader may see, for redaction (docs/adr/0013). */
  TICKETING_SERVICE_URL: httpUrl,
  /** How long a permission answer is reused unless an invalidation names its workspace first (docs/adr/0003). */
  PERMISSION_CACHE_SECONDS: permissionCacheSeconds,
  /**
   * `kid:secret[,kid:secret…]` (secrets ≥ 32 characters): the first links new log entries (HMAC),
   * signs chain checkpoints and export download links, all verify, so the key can be rotated
   * (docs/adr/0008, 0009). Each use has its own HKDF-derived key.
   */
  AUDIT_SIGNING_KEYS: actorContextKeysSchema,
  /** verifyActivityLog calls per workspace per minute, across every instance (docs/adr/0008). */
  AUDIT_VERIFY_POINTS_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(10),
  /** What a full verification (`full: true`, every entry re-hashed) costs of that budget. */
  AUDIT_VERIFY_FULL_COST: z.coerce.number().int().min(1).max(10_000).default(5),
  /** How often every chain whose head moved gets a signed checkpoint. */
  AUDIT_CHECKPOINT_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  /** The gateway's public origin, which download links point at: they are absolute URLs (`ActivityLogExport.url: URL!`). */
  DOWNLOAD_BASE_URL: httpUrl,
  /** How long an export's download link stays valid. */
  AUDIT_EXPORT_LINK_TTL_SECONDS: z.coerce.number().int().min(10).max(3_600).default(300),
  /**
   * Exports streaming at once, each on its own connection of a separate pool (issue 21): slow
   * readers never take activityLog's connections. One more waits AUDIT_EXPORT_WAIT_SECONDS, then 503.
   */
  AUDIT_EXPORT_CONNECTIONS: z.coerce.number().int().min(1).max(50).default(10),
  AUDIT_EXPORT_WAIT_SECONDS: z.coerce.number().min(0.1).max(60).default(10),
  /** An export whose reader takes nothing for this long is cut off and its connection freed. */
  AUDIT_EXPORT_IDLE_SECONDS: z.coerce.number().min(0.5).max(3_600).default(60),
  /** No export streams longer than this, however steadily read. */
  AUDIT_EXPORT_MAX_SECONDS: z.coerce.number().min(1).max(86_400).default(1_800),
};

export type AuditConfig = z.infer<z.ZodObject<typeof auditEnv>>;

export const loadAuditConfig = (env: NodeJS.ProcessEnv = process.env): AuditConfig => loadConfigOrExit(auditEnv, env);
