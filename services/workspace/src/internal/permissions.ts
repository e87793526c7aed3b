import type { FastifyInstance } from "fastify";
import { isAppError } from "@support/errors";
import { ticketAccessOf } from "../domain/access.js";
import type { Db } from "../db/client.js";
import { seatUse } from "../db/memberships.js";
import { loadAccess } from "../resolvers/access.js";

/**
 * The permission lookup of the other subgraphs (docs/adr/0003, 0004): the caller forwards the
 * gateway-signed actor context it received and learns that actor's standing, computed from the
 * current roles, overrides, toggles and plan on every call.
 */
export function registerPermissionsRoute(app: FastifyInstance, db: Db): void {
  app.post<{ Body: { workspaceId?: unknown } }>("/internal/permissions", async (request, reply) => {
    const workspaceId = request.body?.workspaceId;
    if (typeof workspaceId !== "string") return reply.code(400).send({ error: "workspaceId is required" });
    try {
      const access = await loadAccess(db, request.actor, workspaceId);
      const actor = request.actor;
      const [teams, use, customRoles] = await Promise.all([
        actor.kind === "user"
          ? db.teamMember.findMany({
              where: { userId: actor.userId, team: { workspaceId, active: true } },
              select: { teamId: true },
            })
          : Promise.resolve([]),
        seatUse(db, access.workspace),
        db.customRole.findMany({ where: { workspaceId }, select: { id: true, name: true }, orderBy: { name: "asc" } }),
      ]);
      return {
        workspaceId,
        organisationId: access.workspace.organisationId,
        role: access.membership?.role ?? null,
        customRoleId: access.membership?.customRole?.id ?? null,
        permissions: access.permissions,
        ticketAccess: ticketAccessOf(actor, access.membership),
        teamIds: teams.map((t) => t.teamId),
        plan: access.workspace.plan,
        seats: use.seats,
        memberCount: use.members,
        pendingInvitations: use.pendingInvitations,
        customRoles,
      };
    } catch (error) {
      if (isAppError(error) && (error.code === "NOT_FOUND" || error.code === "UNAUTHENTICATED"))
        return reply.code(404).send({ error: "workspace not found" });
      throw error;
    }
  });
}
