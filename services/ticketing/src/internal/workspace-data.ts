import { pipeline, Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { isAppError } from "@support/errors";
import { authorize } from "@support/permissions";
import { csvWriter } from "@support/service-kit";
import { isUuid } from "@support/validation";
import { callerTicketScope, type RequestWorkspaces } from "../authorization.js";
import { WorkspaceClient } from "../clients/workspace.js";
import type { Db } from "../db/client.js";
import { exportedFields } from "../db/fields.js";
import { ticketsByNumber } from "../db/tickets.js";
import { storedValues } from "../domain/fields.js";

const PAGE = 1_000;

/** The column of a custom field in tickets.csv (what importTickets maps back). */
export const fieldColumn = (name: string) => `field: ${name}`;

/**
 * Ticketing's files of a workspace-data export (SPEC section 7): `ticket-fields.csv` and
 * `tickets.csv` (importable with importTickets: assignee by email, team by name, one column per
 * custom field). For the workspace service's zip, with the requester's actor context; the caller
 * needs `workspace_data:export`. Tickets stream page by page: memory stays flat at any size.
 */
export function registerWorkspaceDataRoutes(
  app: FastifyInstance,
  deps: { db: Db; workspaceServiceUrl: string; workspaces: RequestWorkspaces },
): void {
  app.get<{ Params: { workspaceId: string; file: string } }>(
    "/internal/workspace-data/:workspaceId/:file",
    async (request, reply) => {
      const { workspaceId, file } = request.params;
      if (!isUuid(workspaceId) || !["tickets.csv", "ticket-fields.csv"].includes(file))
        return reply.code(404).send({ error: "not found" });
      let grant;
      try {
        grant = await authorize(
          { actor: request.actor, workspaces: deps.workspaces(request) },
          workspaceId,
          "workspace_data:export",
        );
      } catch (error) {
        if (isAppError(error) && error.code === "FORBIDDEN") return reply.code(403).send({ error: error.message });
        if (isAppError(error) && error.code === "NOT_FOUND")
          return reply.code(404).send({ error: "workspace not found" });
        // The workspace service unavailable: 503 from the error handler, never "not found".
        throw error;
      }
      const fields = await exportedFields(deps.db, workspaceId);
      reply.header("content-type", "text/csv; charset=utf-8");
      if (file === "ticket-fields.csv") {
        const csv = csvWriter(["name", "type", "options", "position"]);
        for (const f of fields)
          csv.write({ name: f.name, type: f.type, options: f.options.join(" | "), position: f.position });
        csv.end();
        return reply.send(csv);
      }
      const directory = await new WorkspaceClient(deps.workspaceServiceUrl, request).directory(workspaceId);
      const emailOf = new Map(directory.members.map((m) => [m.userId, m.email]));
      const teamOf = new Map(directory.activeTeams.map((t) => [t.id, t.name]));
      const columns = [
        "number",
        "title",
        "description",
        "status",
        "priority",
        "assignee_email",
        "team_name",
        "created_at",
        "sla_due_at",
        ...fields.map((f) => fieldColumn(f.name)),
      ];
      // The zip shows no more tickets than the requester sees elsewhere (SPEC section 6/7): none
      // without tickets:view (tickets switched off for them), else those in their ticket access.
      const scope = grant.permissions.includes("tickets:view") ? callerTicketScope(request.actor, grant) : null;
      async function* rows() {
        let after = 0;
        for (;;) {
          const page = await ticketsByNumber(deps.db, workspaceId, scope, after, PAGE);
          for (const t of page) {
            const values = storedValues(t);
            yield {
              number: t.number,
              title: t.title,
              description: t.description,
              status: t.status,
              priority: t.priority,
              assignee_email: t.assigneeId ? (emailOf.get(t.assigneeId) ?? "") : "",
              team_name: t.teamId ? (teamOf.get(t.teamId) ?? "") : "",
              created_at: t.createdAt,
              sla_due_at: t.slaDueAt ?? "",
              ...Object.fromEntries(
                fields.map((f) => [fieldColumn(f.name), values[f.id] === undefined ? "" : String(values[f.id])]),
              ),
            };
          }
          if (page.length < PAGE) return;
          after = page[page.length - 1]!.number;
        }
      }
      // pipeline, not .pipe: a database error mid-stream (a page query failing) destroys the CSV
      // with it, so the client sees an aborted download, never a short file; .pipe left the
      // source's 'error' unheard, an uncaught exception that took the process down (issue 21).
      return reply.send(
        pipeline(Readable.from(rows()), csvWriter(columns), (error) => {
          if (error) request.log.warn({ err: error }, "tickets.csv stream failed; the download is cut off");
        }),
      );
    },
  );
}
