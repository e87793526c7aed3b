import type { Actor } from "@support/actor-context";
import { rateLimited } from "@support/errors";
import type { Signer } from "./signing.js";

/**
 * Single-use download links (docs/adr/0009), as the audit and workspace services hand them out:
 * the same requester rule, token format, signature and 60-second allowance for both.
 */

/** Who may fetch a download: the user or API key that asked for it. */
export function requesterOf(actor: Actor): string | null {
  if (actor.kind === "user") return actor.userId;
  if (actor.kind === "apiKey") return actor.apiKeyId;
  return null;
}

export interface DownloadClaims {
  id: string;
  requestedBy: string;
  expiresAt: Date;
}

const claimsOf = (claims: DownloadClaims) => ({
  id: claims.id,
  requestedBy: claims.requestedBy,
  expiresAt: claims.expiresAt.toISOString(),
});

/** `<export id>.<key id>.<HMAC of id, requester and expiry>`. */
export function downloadToken(signer: Signer, claims: DownloadClaims): string {
  const keyId = signer.currentKeyId;
  return `${claims.id}.${keyId}.${signer.sign("download", claimsOf(claims), keyId)}`;
}

const TOKEN = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{1,32})\.([0-9a-f]{64})$/;

/**
 * Whether `token` has the one download-token format (`downloadToken`): the gateway checks it
 * before forwarding anything, so `..`, slashes or anything else never reach a service's path.
 */
export function isDownloadToken(token: string): boolean {
  return TOKEN.test(token);
}

/**
 * The stored export a token names, when the token is well formed, its signature holds and the
 * actor is the one who asked; null otherwise (callers answer every such case with the same 404).
 */
export async function downloadFor<Row extends DownloadClaims>(
  signer: Signer,
  token: string,
  actor: Actor,
  load: (id: string) => Promise<Row | null>,
): Promise<Row | null> {
  const match = TOKEN.exec(token);
  const requester = requesterOf(actor);
  if (!match || !requester) return null;
  const [, id, keyId, signature] = match as unknown as [string, string, string, string];
  const row = await load(id);
  if (!row || row.requestedBy !== requester) return null;
  return signer.verify("download", claimsOf(row), keyId, signature) ? row : null;
}

/** The part of a Prisma transaction client the allowance needs. */
interface RawQueries {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): PromiseLike<T>;
}

/**
 * Takes a workspace's export allowance in the caller's transaction: one export per
 * `intervalSeconds` (the service's `export_allowance` table). Of simultaneous requests exactly one
 * updates the row; the others get RATE_LIMITED with `retryAfterSeconds`. Returns when the
 * allowance was taken and when the next export is allowed.
 */
export async function takeExportAllowance(
  tx: RawQueries,
  workspaceId: string,
  intervalSeconds: number,
  refusal: string,
): Promise<{ takenAt: Date; nextAllowedAt: Date }> {
  const [won] = await tx.$queryRawUnsafe<Array<{ last_requested_at: Date }>>(
    `INSERT INTO export_allowance (workspace_id, last_requested_at) VALUES ($1::uuid, now())
     ON CONFLICT (workspace_id) DO UPDATE SET last_requested_at = now()
       WHERE export_allowance.last_requested_at <= now() - make_interval(secs => $2)
     RETURNING last_requested_at`,
    workspaceId,
    intervalSeconds,
  );
  if (won)
    return {
      takenAt: won.last_requested_at,
      nextAllowedAt: new Date(won.last_requested_at.getTime() + intervalSeconds * 1000),
    };
  const [current] = await tx.$queryRawUnsafe<Array<{ last_requested_at: Date }>>(
    `SELECT last_requested_at FROM export_allowance WHERE workspace_id = $1::uuid`,
    workspaceId,
  );
  const nextAllowedAt = new Date((current?.last_requested_at.getTime() ?? Date.now()) + intervalSeconds * 1000);
  throw rateLimited(Math.max(1, Math.ceil((nextAllowedAt.getTime() - Date.now()) / 1000)), refusal);
}
