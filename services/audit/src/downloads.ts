import type { FastifyInstance, FastifyRequest } from "fastify";
import { isAppError } from "@support/errors";
import { downloadFor, type PermissionsClient } from "@support/service-kit";
import type pg from "pg";
import type { Db } from "./db/client.js";
import { streamActivityCsv } from "./db/export-stream.js";
import type { Signer } from "@support/service-kit";
import { activityFilter } from "./resolvers/activity-log.js";

/**
 * `GET /internal/downloads/:token`: the gateway's `/downloads/audit/:token` forwards here with the
 * caller's signed actor context (docs/adr/0009). A link is honoured once, before it expires, for
 * the user or key that asked for it; everything else is the same 404, so a link reveals nothing.
 */
export function registerDownloads(
  app: FastifyInstance,
  deps: { db: Db; pool: pg.Pool; signer: Signer; permissions: (request: FastifyRequest) => PermissionsClient },
): void {
  app.get<{ Params: { token: string } }>("/internal/downloads/:token", async (request, reply) => {
    const gone = () => reply.code(404).send({ error: "This download link is unknown, used or expired" });
    const row = await downloadFor(deps.signer, request.params.token, request.actor, (id) =>
      deps.db.activityExport.findUnique({ where: { id } }),
    );
    if (!row) return gone();
    const id = row.id;
    // Single use: of two simultaneous fetches, one consumes the row.
    const consumed = await deps.db.activityExport.updateMany({
      where: { id, consumedAt: null, expiresAt: { gt: new Date() } },
      data: { consumedAt: new Date() },
    });
    if (consumed.count !== 1) return gone();
    const filter = activityFilter.parse(row.filter);
    const stamp = row.createdAt.toISOString().slice(0, 19).replace(/[:T]/g, "-");
    const csv = await streamActivityCsv(deps.pool, row.workspaceId, filter);
    return reply
      .header("content-type", "text/csv; charset=utf-8")
      .header("content-disposition", `attachment; filename="activity-log-${row.workspaceId}-${stamp}.csv"`)
      .header("cache-control", "no-store")
      .send(csv);
  });

  /** The activity log's file of a workspace-data export (the workspace service's zip); needs workspace_data:export. */
  app.get<{ Params: { workspaceId: string } }>(
    "/internal/workspace-data/:workspaceId/activity-log.csv",
    async (request, reply) => {
      const { workspaceId } = request.params;
      if (!/^[0-9a-f-]{36}$/i.test(workspaceId)) return reply.code(404).send({ error: "not found" });
      try {
        await deps.permissions(request).require(workspaceId, "workspace_data:export");
      } catch (error) {
        if (isAppError(error) && error.code === "FORBIDDEN") return reply.code(403).send({ error: error.message });
        if (isAppError(error)) return reply.code(404).send({ error: "workspace not found" });
        throw error;
      }
      const csv = await streamActivityCsv(deps.pool, workspaceId, null);
      return reply.header("content-type", "text/csv; charset=utf-8").send(csv);
    },
  );
}
