import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { isAppError } from "@support/errors";
import { ticketAccessOf } from "../domain/access.js";
import type { Db } from "../db/client.js";
import { seatUse } from "../db/memberships.js";
import { isUuid, loadAccess } from "../resolvers/access.js";

/**
 * The permission lookup of the other subgraphs (docs/adr/0003, 0004): the caller forwards the
 * gateway-signed actor context it received and learns that actor's standing, computed from the
 * current roles, overrides, toggles and plan on every call.
 */
const bodySchema = z.object({
  workspaceId: z.string(),
  /** Facts only some callers need (identity's invitations), left out of the hot path otherwise. */
  include: z.array(z.enum(["seats", "customRoles"])).default([]),
});

export function registerPermissionsRoute(app: FastifyInstance, db: Db): void {
  app.post("/internal/permissions", async (request, reply) => {
    const body = bodySchema.safeParse(request.body);
    if (!body.success)
      return reply.code(400).send({ error: "workspaceId is required; include may list seats, customRoles" });
    const { workspaceId, include } = body.data;
    const actor = request.actor;
    // The caller's teams do not depend on the access check, so they are read alongside it.
    const teamsOf = async () =>
      actor.kind === "user" && isUuid(workspaceId)
        ? db.teamMember.findMany({
            where: { userId: actor.userId, team: { workspaceId, active: true } },
            select: { teamId: true },
          })
        : [];
    try {
      const [access, teams] = await Promise.all([loadAccess(db, actor, workspaceId), teamsOf()]);
      const [use, customRoles] = await Promise.all([
        include.includes("seats") ? seatUse(db, access.workspace) : null,
        include.includes("customRoles")
          ? db.customRole.findMany({
              where: { workspaceId },
              select: { id: true, name: true },
              orderBy: { name: "asc" },
            })
          : null,
      ]);
      return {
        workspaceId,
        organisationId: access.workspace.organisationId,
        name: access.workspace.name,
        role: access.membership?.role ?? null,
        customRoleId: access.membership?.customRole?.id ?? null,
        permissions: access.permissions,
        ticketAccess: ticketAccessOf(actor, access.membership),
        teamIds: teams.map((t) => t.teamId),
        plan: access.workspace.plan,
        ...(use ? { seats: use.seats, memberCount: use.members, pendingInvitations: use.pendingInvitations } : {}),
        ...(customRoles ? { customRoles } : {}),
      };
    } catch (error) {
      if (isAppError(error) && (error.code === "NOT_FOUND" || error.code === "UNAUTHENTICATED"))
        return reply.code(404).send({ error: "workspace not found" });
      throw error;
    }
  });
}
