import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { Prisma } from "./db/generated/client.js";
import { isAppError } from "@support/errors";
import type { PermissionsClient } from "@support/service-kit";
import type { Db } from "./db/client.js";
import { ticketScope, type TicketScope } from "./domain/tickets.js";

/** The most ticket ids one question may name (a page of the activity log names at most 100). */
export const MAX_TICKET_IDS = 1_000;

const uuid = z.string().uuid();
const body = z.union([
  z.object({ workspaceId: uuid, ticketIds: z.array(uuid).min(1).max(MAX_TICKET_IDS) }).strict(),
  z.object({ workspaceId: uuid, all: z.literal(true) }).strict(),
]);

/** The ids among `ticketIds` (or all of the workspace's) inside `scope`: the scope as SQL, as findTickets applies it. */
async function visibleIds(db: Db, workspaceId: string, scope: TicketScope, ticketIds: string[] | null) {
  const where: Prisma.Sql[] = [Prisma.sql`workspace_id = ${workspaceId}::uuid`];
  if (ticketIds) where.push(Prisma.sql`id = ANY(${ticketIds}::uuid[])`);
  if (!scope.all)
    where.push(Prisma.sql`(assignee_id = ${scope.userId}::uuid OR team_id = ANY(${scope.teamIds}::uuid[]))`);
  const rows = await db.$queryRaw<Array<{ id: string }>>`SELECT id FROM ticket WHERE ${Prisma.join(where, " AND ")}`;
  return rows.map((row) => row.id);
}

/**
 * `POST /internal/tickets/visible` (docs/adr/0013): which of these tickets — or, with `all`, which
 * tickets of the workspace — the forwarded actor may see now: `tickets:view` and the role's ticket
 * access, applied in SQL to the tickets' current assignee and team. The audit service asks it to
 * redact log entries about the rest; a deleted ticket is not visible. 404 when the actor may not
 * see the workspace.
 */
export function registerTicketVisibilityRoute(
  app: FastifyInstance,
  deps: { db: Db; permissions: (request: FastifyRequest) => PermissionsClient },
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
    let access;
    try {
      access = await deps.permissions(request).forWorkspace(workspaceId);
    } catch (error) {
      if (isAppError(error) && error.code === "NOT_FOUND")
        return reply.code(404).send({ error: "workspace not found" });
      throw error;
    }
    if (!access.permissions.includes("tickets:view")) return { ticketIds: [] };
    const scope = ticketScope(access, actor.kind === "user" ? actor.userId : null);
    const ids = "ticketIds" in parsed.data ? [...new Set(parsed.data.ticketIds)] : null;
    return { ticketIds: await visibleIds(deps.db, workspaceId, scope, ids) };
  });
}
