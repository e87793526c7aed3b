import type { FastifyInstance } from "fastify";
import { isUuid } from "@support/validation";
import {
  exportStream,
  readerAtDownload,
  redactionFor,
  type ActivityFileDeps,
} from "../routes/activity-log-download.js";

/**
 * `GET /internal/workspace-data/:workspaceId/activity-log.csv`: the activity log's file of a
 * workspace-data export, which the workspace service puts in its zip. Needs
 * workspace_data:export, and shows the requester only what they may see (docs/adr/0013).
 */
export function registerWorkspaceDataActivityLog(app: FastifyInstance, deps: ActivityFileDeps): void {
  app.get<{ Params: { workspaceId: string } }>(
    "/internal/workspace-data/:workspaceId/activity-log.csv",
    async (request, reply) => {
      const { workspaceId } = request.params;
      if (!isUuid(workspaceId)) return reply.code(404).send({ error: "not found" });
      const reader = await readerAtDownload(deps, request, reply, workspaceId, "workspace_data:export");
      if (!reader) return reply;
      const redact = await redactionFor(deps, request, workspaceId, reader);
      const csv = await exportStream(deps, reply, workspaceId, null, redact);
      if (!csv) return reply;
      return reply.header("content-type", "text/csv; charset=utf-8").send(csv);
    },
  );
}
