import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { isAppError } from "@support/errors";
import { authorize } from "@support/permissions";
import { freshAccess } from "../authorization.js";
import type { Db } from "../db/client.js";
import { activeTeams, membersAmong, workspaceDirectory } from "../db/assignees.js";

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
    if (!(await mayLook(db, request, workspaceId))) return reply.code(404).send({ error: "workspace not found" });
    const [memberIds, activeTeamIds] = await Promise.all([
      membersAmong(db, workspaceId, userIds),
      activeTeams(db, workspaceId, teamIds),
    ]);
    return { memberIds, activeTeamIds };
  });

  /** Members (by email) and active teams (by name) of a workspace: what a ticket import maps names onto. */
  app.post("/internal/assignees/directory", async (request, reply) => {
    const body = z
      .object({ workspaceId: z.string().uuid() })
      .strict()
      .safeParse(request.body ?? {});
    if (!body.success) return reply.code(400).send({ error: "workspaceId must be a UUID" });
    const { workspaceId } = body.data;
    if (!(await mayLook(db, request, workspaceId))) return reply.code(404).send({ error: "workspace not found" });
    return workspaceDirectory(db, workspaceId);
  });
}

/** Whether the caller may see the workspace (signed in, theirs to see): else the routes answer 404. */
async function mayLook(db: Db, request: FastifyRequest, workspaceId: string): Promise<boolean> {
  try {
    await authorize(freshAccess({ actor: request.actor, db }), workspaceId);
    return true;
  } catch (error) {
    if (isAppError(error) && (error.code === "NOT_FOUND" || error.code === "UNAUTHENTICATED")) return false;
    throw error;
  }
}
