import type { FastifyInstance } from "fastify";
import { z } from "zod";
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

/**
 * The credential a download link was asked with, stored with the export: the gateway checks it
 * again when the link is followed without a header (the session still signed in, the key still
 * unrevoked), then the service checks the requester's rights as for any request.
 */
export const downloadRequesterSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("user"), userId: z.string().uuid(), sessionId: z.string().uuid() }),
  z.object({ kind: z.literal("apiKey"), apiKeyId: z.string().uuid() }),
]);
export type DownloadRequester = z.infer<typeof downloadRequesterSchema>;

export function downloadRequesterOf(actor: Actor): DownloadRequester | null {
  if (actor.kind === "user") return { kind: "user", userId: actor.userId, sessionId: actor.sessionId };
  if (actor.kind === "apiKey") return { kind: "apiKey", apiKeyId: actor.apiKeyId };
  return null;
}

/** What a link is for: part of its signature, so a link of one kind never passes for another. */
export type DownloadPurpose = "activity-log.csv" | "workspace-data.zip";

/**
 * What a link's signature covers: its purpose, the export, the workspace, the requester, the
 * expiry and the link's version (renewing a link makes the previous one invalid).
 */
export interface DownloadClaims {
  id: string;
  workspaceId: string;
  requestedBy: string;
  expiresAt: Date;
  linkVersion: number;
}

const claimsOf = (purpose: DownloadPurpose, claims: DownloadClaims) => ({
  purpose,
  id: claims.id,
  workspaceId: claims.workspaceId,
  requestedBy: claims.requestedBy,
  expiresAt: claims.expiresAt.toISOString(),
  linkVersion: claims.linkVersion,
});

/** `<export id>.<key id>.<HMAC of purpose, id, workspace, requester, expiry and link version>`. */
export function downloadToken(signer: Signer, purpose: DownloadPurpose, claims: DownloadClaims): string {
  const keyId = signer.currentKeyId;
  return `${claims.id}.${keyId}.${signer.sign("download", claimsOf(purpose, claims), keyId)}`;
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
 * The stored export a token names when the token is well formed and its signature holds for the
 * stored row (any link of an older version fails); null otherwise. Whose it is is not checked.
 */
export async function signedDownload<Row extends DownloadClaims>(
  signer: Signer,
  purpose: DownloadPurpose,
  token: string,
  load: (id: string) => Promise<Row | null>,
): Promise<Row | null> {
  const match = TOKEN.exec(token);
  if (!match) return null;
  const [, id, keyId, signature] = match as unknown as [string, string, string, string];
  const row = await load(id);
  if (!row) return null;
  return signer.verify("download", claimsOf(purpose, row), keyId, signature) ? row : null;
}

/**
 * The stored export a token names, when the token is well formed, its signature holds and the
 * actor is the one who asked; null otherwise (callers answer every such case with the same 404).
 */
export async function downloadFor<Row extends DownloadClaims>(
  signer: Signer,
  purpose: DownloadPurpose,
  token: string,
  actor: Actor,
  load: (id: string) => Promise<Row | null>,
): Promise<Row | null> {
  const requester = requesterOf(actor);
  if (!requester) return null;
  const row = await signedDownload(signer, purpose, token, load);
  return row && row.requestedBy === requester ? row : null;
}

/** How many links one export may have (the first and its renewals), and for how long after it was asked. */
export const DOWNLOAD_RENEWALS = { maxLinks: 4, windowSeconds: 3600 } as const;

/** The allowance's own terms, sent with its refusal so the gateway can set rate-limit headers. */
export const exportRateLimit = (intervalSeconds: number) => ({ limit: 1, windowSeconds: intervalSeconds });

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
  const refused = rateLimited(Math.max(1, Math.ceil((nextAllowedAt.getTime() - Date.now()) / 1000)), refusal);
  // RateLimit-Limit / RateLimit-Policy at the gateway (gateway/src/errors.ts rateLimitHeaders).
  Object.assign(refused.extensions, { rateLimit: exportRateLimit(intervalSeconds) });
  throw refused;
}

/** What a row must hold for `registerDownloadRequester`. */
export interface StoredDownload extends DownloadClaims {
  requester: unknown;
  consumedAt: Date | null;
}

/**
 * `GET /internal/download-requesters/:token`: for a link followed without a header, the gateway
 * asks whose it is (an internal call: the gateway's own context), checks that credential again and
 * then fetches `/internal/downloads/:token` as that requester, so the service checks their rights
 * as for any request. A malformed, tampered, renewed-over, expired or used link is the same 404.
 */
export function registerDownloadRequester<Row extends StoredDownload>(
  app: FastifyInstance,
  signer: Signer,
  purpose: DownloadPurpose,
  load: (id: string) => Promise<Row | null>,
): void {
  app.get<{ Params: { token: string } }>("/internal/download-requesters/:token", async (request, reply) => {
    const row = await signedDownload(signer, purpose, request.params.token, load);
    const requester = downloadRequesterSchema.safeParse(row?.requester);
    if (!row || row.consumedAt || row.expiresAt <= new Date() || !requester.success)
      return reply.code(404).send({ error: "This download link is unknown, used or expired" });
    return { requester: requester.data };
  });
}

/** The part of a Prisma delegate `renewDownload` needs (an export table's `updateMany`). */
interface RenewableExports {
  updateMany(args: {
    where: {
      id: string;
      requestedBy: string;
      linkVersion: { lt: number };
      createdAt: { gt: Date };
    };
    data: { linkVersion: { increment: number }; consumedAt: null; expiresAt: Date; requester: DownloadRequester };
  }): PromiseLike<{ count: number }>;
}

/**
 * A fresh link for an export the requester already asked for (a dropped download): the export is
 * not started again and the 60-second allowance is not taken. The previous link stops working
 * (the version in the signature moves on), the new one is single-use like the first. At most
 * `DOWNLOAD_RENEWALS.maxLinks` links per export, within `windowSeconds` of the request; false
 * when none is left (or the export is not the requester's).
 */
export async function renewDownload(
  exports: RenewableExports,
  id: string,
  actor: Actor,
  ttlSeconds: number,
): Promise<boolean> {
  const requestedBy = requesterOf(actor);
  const requester = downloadRequesterOf(actor);
  if (!requestedBy || !requester) return false;
  const { count } = await exports.updateMany({
    where: {
      id,
      requestedBy,
      linkVersion: { lt: DOWNLOAD_RENEWALS.maxLinks },
      createdAt: { gt: new Date(Date.now() - DOWNLOAD_RENEWALS.windowSeconds * 1000) },
    },
    data: {
      linkVersion: { increment: 1 },
      consumedAt: null,
      expiresAt: new Date(Date.now() + ttlSeconds * 1000),
      requester,
    },
  });
  return count === 1;
}
