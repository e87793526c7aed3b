import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { isAppError } from "@support/errors";
import type { Db } from "../db/client.js";
import { loadAccess } from "../resolvers/access.js";

const bodySchema = z
  .object({
    workspaceId: z.string().uuid(),
    userIds: z.array(z.string().uuid()).max(100).default([]),
    teamIds: z.array(z.string().uuid()).max(100).default([]),
  })
  .strict();

/**
 * Which of the given users are members and which teams are active teams of a workspace: what
 * ticketing checks before assigning a ticket (an assignee from elsewhere is BAD_USER_INPUT there).
 * The caller must be able to see the workspace (404 otherwise, as for /internal/permissions).
 */
export function registerAssigneeRoutes(app: FastifyInstance, db: Db): void {
  app.post("/internal/assignees/check", async (request, reply) => {
    const body = bodySchema.safeParse(request.body ?? {});
    if (!body.success) return reply.code(400).send({ error: "workspaceId, userIds and teamIds must be UUIDs" });
    const { workspaceId, userIds, teamIds } = body.data;
    try {
      await loadAccess(db, request.actor, workspaceId);
    } catch (error) {
      if (isAppError(error) && (error.code === "NOT_FOUND" || error.code === "UNAUTHENTICATED"))
        return reply.code(404).send({ error: "workspace not found" });
      throw error;
    }
    const [members, teams] = await Promise.all([
      userIds.length
        ? db.membership.findMany({ where: { workspaceId, userId: { in: userIds } }, select: { userId: true } })
        : [],
      teamIds.length
        ? db.team.findMany({ where: { workspaceId, id: { in: teamIds }, active: true }, select: { id: true } })
        : [],
    ]);
    return { memberIds: members.map((m) => m.userId), activeTeamIds: teams.map((t) => t.id) };
  });

  /** Members (by email) and active teams (by name) of a workspace: what a ticket import maps names onto. */
  app.post("/internal/assignees/directory", async (request, reply) => {
    const body = z
      .object({ workspaceId: z.string().uuid() })
      .strict()
      .safeParse(request.body ?? {});
    if (!body.success) return reply.code(400).send({ error: "workspaceId must be a UUID" });
    const { workspaceId } = body.data;
    try {
      await loadAccess(db, request.actor, workspaceId);
    } catch (error) {
      if (isAppError(error) && (error.code === "NOT_FOUND" || error.code === "UNAUTHENTICATED"))
        return reply.code(404).send({ error: "workspace not found" });
      throw error;
    }
    const [members, teams] = await Promise.all([
      db.membership.findMany({ where: { workspaceId }, select: { userId: true } }),
      db.team.findMany({ where: { workspaceId, active: true }, select: { id: true, name: true } }),
    ]);
    const people = await db.person.findMany({
      where: { userId: { in: members.map((m) => m.userId) }, deletedAt: null },
      select: { userId: true, email: true },
    });
    return {
      members: people.filter((p) => p.email).map((p) => ({ userId: p.userId, email: p.email })),
      activeTeams: teams,
    };
  });
}
