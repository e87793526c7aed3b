import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { Actor } from "@support/actor-context";
import type { SqlReader } from "@support/service-kit";
import { ticketAccessOf } from "../domain/access.js";
import type { Db } from "../db/client.js";
import { seatUse } from "../db/memberships.js";
import { customRoleNames } from "../db/roles.js";
import { loadAccessWithTeams, type WorkspaceAccess } from "../authorization.js";

/** The most workspaces one lookup may ask about (a page of entities is at most this). */
export const MAX_WORKSPACES_PER_LOOKUP = 100;

/**
 * The permission lookup of the other subgraphs (docs/adr/0003, 0004): the caller forwards the
 * gateway-signed actor context it received and learns that actor's standing, computed from the
 * current roles, overrides, toggles and plan on every call. `workspaceIds` asks for several
 * workspaces at once (a page of entities): the same few statements whatever their number.
 */
const bodySchema = z.union([
  z
    .object({
      workspaceIds: z.array(z.string()).min(1).max(MAX_WORKSPACES_PER_LOOKUP),
    })
    .strict(),
  z.object({
    workspaceId: z.string(),
    /** Facts only some callers need (identity's invitations), left out of the hot path otherwise. */
    include: z.array(z.enum(["seats", "customRoles"])).default([]),
  }),
]);

/** The actor's standing in each workspace it may see, from one read of workspaces, memberships and teams. */
async function standingsOf(sql: SqlReader, actor: Actor, workspaceIds: string[]) {
  const standings = new Map<string, { access: WorkspaceAccess; standing: Standing }>();
  for (const [workspaceId, { access, teamIds }] of await loadAccessWithTeams(sql, actor, workspaceIds, true)) {
    standings.set(workspaceId, { access, standing: standing(actor, access, teamIds) });
  }
  return standings;
}

type Standing = ReturnType<typeof standing>;

function standing(actor: Actor, access: WorkspaceAccess, teamIds: string[]) {
  return {
    workspaceId: access.workspace.id,
    organisationId: access.workspace.organisationId,
    name: access.workspace.name,
    role: access.membership?.role ?? null,
    customRoleId: access.membership?.customRole?.id ?? null,
    permissions: access.permissions,
    ticketAccess: ticketAccessOf(actor, access.membership),
    teamIds,
    plan: access.workspace.plan,
  };
}

/** `sql` reads the standings (the hot path, on node-postgres); `db` the facts only some callers ask for. */
export function registerPermissionsRoute(app: FastifyInstance, db: Db, sql: SqlReader): void {
  app.post("/internal/permissions", async (request, reply) => {
    const body = bodySchema.safeParse(request.body);
    if (!body.success) {
      return reply.code(400).send({
        error: `send workspaceId (include may list seats, customRoles) or workspaceIds (1 to ${MAX_WORKSPACES_PER_LOOKUP})`,
      });
    }
    const actor = request.actor;
    if (actor.kind === "anonymous") return reply.code(404).send({ error: "workspace not found" });
    if ("workspaceIds" in body.data) {
      const { workspaceIds } = body.data;
      const standings = await standingsOf(sql, actor, workspaceIds);
      // One answer per asked id, in order; null where the workspace is missing or not the caller's to see.
      return { workspaces: workspaceIds.map((id): Standing | null => standings.get(id)?.standing ?? null) };
    }
    const { workspaceId, include } = body.data;
    const found = (await standingsOf(sql, actor, [workspaceId])).get(workspaceId);
    if (!found) return reply.code(404).send({ error: "workspace not found" });
    const [use, customRoles] = await Promise.all([
      include.includes("seats") ? seatUse(db, found.access.workspace) : null,
      include.includes("customRoles") ? customRoleNames(db, workspaceId) : null,
    ]);
    return {
      ...found.standing,
      ...(use ? { seats: use.seats, memberCount: use.members, pendingInvitations: use.pendingInvitations } : {}),
      ...(customRoles ? { customRoles } : {}),
    };
  });
}
