import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { isAppError } from "@support/errors";
import { authorize } from "@support/permissions";
import { callerTicketScope, type RequestWorkspaces } from "../authorization.js";
import type { SqlReader } from "@support/service-kit";
import { visibleTicketIds } from "../db/tickets.js";

/** The most ticket ids one question may name (a page of the activity log names at most 100). */
export const MAX_TICKET_IDS = 1_000;

const uuid = z.string().uuid();
const body = z.union([
  z.object({ workspaceId: uuid, ticketIds: z.array(uuid).min(1).max(MAX_TICKET_IDS) }).strict(),
  z.object({ workspaceId: uuid, all: z.literal(true) }).strict(),
]);

/**
 * `POST /internal/tickets/visible` (docs/adr/0013): which of these tickets — or, with `all`, which
 * tickets of the workspace — the forwarded actor may see now: `tickets:view` and the role's ticket
 * access, applied in SQL to the tickets' current assignee and team. The audit service asks it to
 * redact log entries about the rest; a deleted ticket is not visible. 404 when the actor may not
 * see the workspace.
 */
export function registerTicketVisibilityRoute(
  app: FastifyInstance,
  deps: { sql: SqlReader; workspaces: RequestWorkspaces },
): void {
  app.post("/internal/tickets/visible", async (request, reply) => {
    const parsed = body.safeParse(request.body);
    if (!parsed.success)
      return reply
        .code(400)
        .send({ error: `send workspaceId with ticketIds (1 to ${MAX_TICKET_IDS} UUIDs) or all: true` });
    const { workspaceId } = parsed.data;
    const actor = request.actor;
    if (actor.kind === "anonymous") return reply.code(404).send({ error: "workspace not found" });
    let grant;
    try {
      grant = await authorize({ actor, workspaces: deps.workspaces(request) }, workspaceId);
    } catch (error) {
      if (isAppError(error) && error.code === "NOT_FOUND")
        return reply.code(404).send({ error: "workspace not found" });
      throw error;
    }
    if (!grant.permissions.includes("tickets:view")) return { ticketIds: [] };
    const ids = "ticketIds" in parsed.data ? [...new Set(parsed.data.ticketIds)] : null;
    return { ticketIds: await visibleTicketIds(deps.sql, workspaceId, callerTicketScope(actor, grant), ids) };
  });
}
