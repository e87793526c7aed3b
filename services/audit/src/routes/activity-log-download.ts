import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type pg from "pg";
import { isAppError } from "@support/errors";
import { metrics, observeStream } from "@support/metrics";
import type { Permission } from "@support/permissions";
import { downloadFor, registerDownloadRequester, type PermissionsClient, type Signer } from "@support/service-kit";
import { authorizeLog } from "../authorization.js";
import type { TicketingClient } from "../clients/ticketing.js";
import type { Db } from "../db/client.js";
import { ExportsBusy, streamActivityCsv, type ExportLimits } from "../db/export-stream.js";
import { activityFilter, type ActivityFilter } from "../domain/activity-filter.js";
import { isRedacted, type EntryTarget, type LogReader } from "../domain/redaction.js";

/** What the activity log's file routes need (this one and internal/workspace-data-activity-log.ts). */
export interface ActivityFileDeps {
  db: Db;
  /** Exports' own connections (db/export-stream.ts), apart from activityLog's. */
  exportPool: pg.Pool;
  exportLimits: ExportLimits;
  signer: Signer;
  workspaces: (request: FastifyRequest) => PermissionsClient;
  tickets: (request: FastifyRequest) => TicketingClient;
}

/**
 * `GET /internal/downloads/:token`: the gateway's public `/downloads/audit/:token` forwards here
 * with the caller's signed actor context (docs/adr/0009). A link is honoured once, before it
 * expires, for the user or key that asked for it, while they still hold `activity_log:export`; a
 * link that is not theirs is the same 404 as an unknown one, so a link reveals nothing.
 */
export function registerActivityLogDownload(app: FastifyInstance, deps: ActivityFileDeps): void {
  const load = (id: string) => deps.db.activityExport.findUnique({ where: { id } });
  // Whose a link is, for the gateway when it is followed without a header (docs/adr/0009).
  registerDownloadRequester(app, deps.signer, "activity-log.csv", load);
  app.get<{ Params: { token: string } }>("/internal/downloads/:token", async (request, reply) => {
    const gone = () => reply.code(404).send({ error: "This download link is unknown, used or expired" });
    const row = await downloadFor(deps.signer, "activity-log.csv", request.params.token, request.actor, load);
    if (!row) return gone();
    // The requester's rights now, not when they asked (issue 19): removed or demoted, no file.
    const reader = await readerAtDownload(deps, request, reply, row.workspaceId, "activity_log:export");
    if (!reader) return reply;
    const id = row.id;
    if (row.consumedAt || row.expiresAt <= new Date()) return gone();
    const filter = activityFilter.parse(row.filter);
    const stamp = row.createdAt.toISOString().slice(0, 19).replace(/[:T]/g, "-");
    const redact = await redactionFor(deps, request, row.workspaceId, reader);
    // The export connection first: a link refused for want of one (503) stays usable.
    const csv = await exportStream(deps, reply, row.workspaceId, filter, redact);
    if (!csv) return reply;
    // Single use, in PostgreSQL (so across replicas): of two simultaneous fetches one consumes the
    // row, and a link renewed meanwhile (another version) consumes nothing.
    const consumed = await deps.db.activityExport
      .updateMany({
        where: { id, linkVersion: row.linkVersion, consumedAt: null, expiresAt: { gt: new Date() } },
        data: { consumedAt: new Date() },
      })
      .catch((error: unknown) => {
        csv.destroy();
        throw error;
      });
    if (consumed.count !== 1) {
      csv.destroy();
      return gone();
    }
    // From the first row to the last byte, or the stream's failure (docs/adr/0020).
    observeStream(csv, metrics.exportDuration(), { export: "activity_log" });
    return reply
      .header("content-type", "text/csv; charset=utf-8")
      .header("content-disposition", `attachment; filename="activity-log-${row.workspaceId}-${stamp}.csv"`)
      .header("cache-control", "no-store")
      .send(csv);
  });
}

/**
 * The caller's sight of the log, checked now with `permission` (as the GraphQL operations check
 * it): null once the reply was sent, 404 when the caller may no longer see the workspace (removed)
 * and 403 when they see it without the permission (demoted), so a link outlives no one's rights;
 * throws when their rights cannot be learnt now (SERVICE_UNAVAILABLE, answered 503).
 */
export async function readerAtDownload(
  deps: ActivityFileDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  workspaceId: string,
  permission: Permission,
): Promise<LogReader | null> {
  try {
    return await authorizeLog(
      { actor: request.actor, db: deps.db, workspaces: deps.workspaces(request) },
      workspaceId,
      permission,
    );
  } catch (error) {
    // Anything else (the workspace service unavailable: 503) goes to the error handler, and the
    // link stays usable: never a 404, which would tell the caller the link is gone.
    if (isAppError(error) && error.code === "FORBIDDEN") await reply.code(403).send({ error: error.message });
    else if (isAppError(error) && error.code === "NOT_FOUND")
      await reply.code(404).send({ error: "workspace not found" });
    else throw error;
    return null;
  }
}

/** Which entries to redact in a whole file: the reader's visible tickets are asked for once, before streaming. */
export async function redactionFor(
  deps: ActivityFileDeps,
  request: FastifyRequest,
  workspaceId: string,
  reader: LogReader,
) {
  const visible = reader.tickets === "SOME" ? await deps.tickets(request).all(workspaceId) : new Set<string>();
  return (entry: EntryTarget) => isRedacted(reader, entry, visible);
}

/** The file's stream, or null once a 503 was sent because every export connection is streaming. */
export async function exportStream(
  deps: ActivityFileDeps,
  reply: FastifyReply,
  workspaceId: string,
  filter: ActivityFilter,
  redact: (entry: EntryTarget) => boolean,
) {
  try {
    return await streamActivityCsv(deps.exportPool, workspaceId, filter, redact, deps.exportLimits);
  } catch (error) {
    if (!(error instanceof ExportsBusy)) throw error;
    await reply
      .code(503)
      .header("retry-after", "5")
      .send({ error: "Too many exports are streaming; please retry shortly" });
    return null;
  }
}
