import { PassThrough, pipeline, Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { ZipArchive } from "archiver";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { ACTOR_CONTEXT_HEADER } from "@support/actor-context";
import { REQUEST_ID_HEADER } from "@support/logger";
import { metrics, observeStream } from "@support/metrics";
import { BUILT_IN_ROLES, builtInRolePermissions, builtInRoleTicketAccess } from "@support/permissions";
import { csvWriter, downloadFor, registerDownloadRequester, type Signer } from "@support/service-kit";
import { isAppError } from "@support/errors";
import { authorize } from "@support/permissions";
import { freshAccess } from "../authorization.js";
import type { Db } from "../db/client.js";
import { consumeExportLink, exportWithWorkspace, workspaceDataOf } from "../db/exports.js";
import { fileNameOf } from "../domain/exports.js";

function csvOf(columns: readonly string[], rows: Array<Record<string, unknown>>) {
  const csv = csvWriter(columns);
  for (const row of rows) csv.write(row);
  csv.end();
  return csv;
}

/**
 * `GET /internal/downloads/:token` (the gateway's `/downloads/workspace/:token`): the zip of a
 * workspace's data (SPEC section 7, docs/adr/0009). The link is honoured once, before it expires,
 * for whoever asked for it; every other case is the same 404. Members, roles and teams come from
 * this database; ticket fields and tickets from ticketing, the activity log from audit, each
 * streamed through with the caller's actor context (they check `workspace_data:export` again).
 */
export function registerDownloadRoutes(
  app: FastifyInstance,
  deps: {
    db: Db;
    signer: Signer;
    ticketingUrl: string;
    auditUrl: string;
    /** How long another service may take to start answering its file (default 15 s). */
    answerTimeoutMs?: number;
    /** How long the whole zip may stream before it is cut off (default 30 min). */
    totalTimeoutMs?: number;
  },
): void {
  const answerTimeoutMs = deps.answerTimeoutMs ?? 15_000;
  const totalTimeoutMs = deps.totalTimeoutMs ?? 30 * 60_000;
  const load = (id: string) => exportWithWorkspace(deps.db, id);
  // Whose a link is, for the gateway when it is followed without a header (docs/adr/0009).
  registerDownloadRequester(app, deps.signer, "workspace-data.zip", load);
  app.get<{ Params: { token: string } }>("/internal/downloads/:token", async (request, reply) => {
    const gone = () => reply.code(404).send({ error: "This download link is unknown, used or expired" });
    const row = await downloadFor(deps.signer, "workspace-data.zip", request.params.token, request.actor, load);
    if (!row) return gone();
    // The requester's rights now, not when they asked (issue 19): a removed member (the workspace
    // is no longer theirs to see) gets 404, one who lost workspace_data:export 403 — never a
    // 503 from the other services refusing their part.
    try {
      await authorize(freshAccess({ actor: request.actor, db: deps.db }), row.workspaceId, "workspace_data:export");
    } catch (error) {
      if (isAppError(error) && error.code === "FORBIDDEN") return reply.code(403).send({ error: error.message });
      if (isAppError(error) && error.code === "NOT_FOUND") return gone();
      throw error;
    }
    // A used or expired link streams nothing: checked here, before the other services are asked.
    if (row.consumedAt || row.expiresAt <= new Date()) return gone();
    const workspaceId = row.workspaceId;
    const { memberships, roles, teams, people } = await workspaceDataOf(deps.db, workspaceId);
    const emailOf = (userId: string) => people.get(userId)?.email ?? "";

    const archive = new ZipArchive({ zlib: { level: 6 } });
    // From here to the zip's last byte, or its failure (docs/adr/0020).
    const timing = observeStream(archive, metrics.exportDuration(), { export: "workspace_data" });
    archive.on("warning", (error: Error) => request.log.warn({ err: error }, "workspace export warning"));
    // Heard even before the zip is sent (fastify listens once it is): a failed zip is logged, never fatal.
    archive.on("error", (error: Error) => request.log.warn({ err: error }, "workspace export failed"));
    archive.append(
      csvOf(
        ["user_id", "email", "first_name", "last_name", "role", "custom_role", "granted", "denied", "joined_at"],
        memberships.map((m) => ({
          user_id: m.userId,
          email: emailOf(m.userId),
          first_name: people.get(m.userId)?.firstName ?? "",
          last_name: people.get(m.userId)?.lastName ?? "",
          role: m.role,
          custom_role: m.customRole?.name ?? "",
          granted: m.granted.join(" "),
          denied: m.denied.join(" "),
          joined_at: m.createdAt,
        })),
      ),
      { name: "members.csv" },
    );
    const builtIn = BUILT_IN_ROLES.map((role) => ({
      name: role,
      kind: "BUILT_IN",
      permissions: builtInRolePermissions(role).join(" "),
      ticket_access: builtInRoleTicketAccess(role),
      members: memberships.filter((m) => m.role === role).length,
    }));
    archive.append(
      csvOf(
        ["name", "kind", "permissions", "ticket_access", "members"],
        [
          ...builtIn,
          ...roles.map((r) => ({
            name: r.name,
            kind: "CUSTOM",
            permissions: r.permissions.join(" "),
            ticket_access: r.ticketAccess,
            members: r._count.memberships,
          })),
        ],
      ),
      { name: "roles.csv" },
    );
    archive.append(
      csvOf(
        ["name", "description", "active", "member_emails"],
        teams.map((t) => ({
          name: t.name,
          description: t.description,
          active: t.active,
          member_emails: t.members.map((m) => emailOf(m.userId)).join(" "),
        })),
      ),
      { name: "teams.csv" },
    );
    // Every fetch of the other services' files ends with the zip: cut off past the total limit, or
    // when the zip fails or its reader goes (issue 21: a stalled service never holds it forever).
    const cutOff = new AbortController();
    const total = setTimeout(
      () => cutOff.abort(new Error(`workspace export exceeded ${totalTimeoutMs} ms`)),
      totalTimeoutMs,
    );
    total.unref();
    const failZip = (error: Error) => {
      cutOff.abort(error);
      // destroy, not abort: the reader sees a failed download, never a zip that looks complete.
      archive.destroy(error);
    };
    archive.once("close", () => {
      clearTimeout(total);
      cutOff.abort(new Error("workspace export closed"));
    });
    const fromService = async (base: string, path: string, name: string) => {
      const unanswered = new AbortController();
      const wait = setTimeout(
        () => unanswered.abort(new Error(`${name}: no answer within ${answerTimeoutMs} ms`)),
        answerTimeoutMs,
      );
      let response: Response;
      try {
        const signal = AbortSignal.any([cutOff.signal, unanswered.signal]);
        response = await fetch(`${base}${path}`, { headers: forwarded(request), signal });
      } finally {
        clearTimeout(wait);
      }
      if (response.status === 403 || response.status === 404) throw new Refused(response.status, name);
      if (!response.ok || !response.body) throw new Error(`${name}: HTTP ${response.status}`);
      // From here on the body is bounded by cutOff only (the zip's total limit, its end or failure).
      const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
      // pipeline, not archiver's own .pipe (which leaves the source's errors unheard: an uncaught
      // exception, or an entry that never ends): a service failing mid-file fails the whole zip.
      const entry = pipeline(body, new PassThrough(), (error) => {
        if (error && !archive.destroyed) {
          request.log.warn({ err: error, file: name }, "workspace export: a service's file failed mid-stream");
          failZip(error);
        }
      });
      archive.append(entry, { name });
    };
    try {
      await fromService(
        deps.ticketingUrl,
        `/internal/workspace-data/${workspaceId}/ticket-fields.csv`,
        "ticket-fields.csv",
      );
      await fromService(deps.ticketingUrl, `/internal/workspace-data/${workspaceId}/tickets.csv`, "tickets.csv");
      await fromService(deps.auditUrl, `/internal/workspace-data/${workspaceId}/activity-log.csv`, "activity-log.csv");
    } catch (error) {
      clearTimeout(total);
      cutOff.abort(error);
      archive.abort();
      timing.finish("failed");
      // Rights lost between the check above and a service's own check: refused, not unavailable.
      if (error instanceof Refused)
        return reply.code(error.status).send({ error: "This export is no longer yours to download" });
      request.log.error({ err: error }, "workspace export: a service's file could not be fetched");
      return reply
        .code(503)
        .header("retry-after", "5")
        .send({ error: "A service could not contribute its files; please retry shortly" });
    }
    // Single use, taken once every service has answered for its part (in PostgreSQL, so across
    // replicas): a part that could not be had leaves the link usable for a retry, and of two
    // simultaneous fetches one consumes the row.
    let consumed = false;
    try {
      consumed = await consumeExportLink(deps.db, row);
    } finally {
      if (!consumed) {
        clearTimeout(total);
        cutOff.abort(new Error("workspace export link not consumed"));
        archive.abort();
        timing.finish("failed");
      }
    }
    if (!consumed) return gone();
    // Its failures are the archive's 'error', logged above; the promise must not go unhandled.
    archive.finalize().catch(() => undefined);
    const stamp = new Date().toISOString().slice(0, 10);
    return reply
      .header("content-type", "application/zip")
      .header("content-disposition", `attachment; filename="${fileNameOf(row.workspace.name)}-${stamp}.zip"`)
      .header("cache-control", "no-store")
      .send(archive);
  });
}

/** Another service refused the requester its part of the zip (403 or 404). */
class Refused extends Error {
  constructor(
    readonly status: 403 | 404,
    file: string,
  ) {
    super(`${file}: HTTP ${status}`);
  }
}

function forwarded(request: FastifyRequest): Record<string, string> {
  const context = request.headers[ACTOR_CONTEXT_HEADER];
  return {
    [ACTOR_CONTEXT_HEADER]: Array.isArray(context) ? (context[0] ?? "") : (context ?? ""),
    [REQUEST_ID_HEADER]: request.id,
  };
}
