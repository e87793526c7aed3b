import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { forbidden, invalidInput, isAppError, notFound } from "@support/errors";
import { eventActor } from "@support/events";
import { authorize } from "@support/permissions";
import type { Actor } from "@support/actor-context";
import { permissionsOf } from "../domain/access.js";
import {
  assertCanChangeRole,
  assertCanRemove,
  assertMayGive,
  assertMayManage,
  assignableRole,
  managerOf,
} from "../domain/members.js";
import { togglesOf } from "../domain/settings.js";
import type { Db } from "../db/client.js";
import {
  findMembership,
  lockWorkspace,
  membershipsIn,
  membershipsOfUser,
  workspacesOwnedBy,
} from "../db/memberships.js";
import { findPerson } from "../db/people.js";
import { customRoleOf } from "../db/roles.js";
import { workspaceIdsOf } from "../db/workspaces.js";
import { freshAccess } from "../authorization.js";
import { addMembership, changeMembershipRole, removeMembership } from "../memberships.js";

/** Workspaces of the actor's organisation the actor administers (members:update; org admins all). */
async function administeredWorkspaceIds(db: Db, actor: Actor): Promise<string[]> {
  if (actor.kind !== "user") return [];
  if (actor.orgRole === "ORG_ADMIN") return workspaceIdsOf(db, actor.organisationId);
  const memberships = await membershipsOfUser(db, actor.userId, actor.organisationId);
  return memberships
    .filter((m) =>
      permissionsOf(actor, {
        workspace: m.workspace,
        membership: m,
        toggles: togglesOf(m.workspace),
        plan: m.workspace.plan,
      }).includes("members:update"),
    )
    .map((m) => m.workspaceId);
}

const querySchema = z.object({ userIds: z.array(z.string().uuid()).max(1000).optional() }).strict();

const ownedSchema = z.object({ userId: z.string().uuid() }).strict();

const applySchema = z
  .object({
    userId: z.string().uuid(),
    set: z
      .array(
        z.object({
          workspaceId: z.string().uuid(),
          role: z.enum(["OWNER", "ADMIN", "SUPERVISOR", "AGENT", "SUPPORT", "MEMBER", "CUSTOM"]).nullish(),
          customRoleId: z.string().uuid().nullish(),
        }),
      )
      .default([]),
    remove: z.array(z.string().uuid()).default([]),
  })
  .strict();

/** The internal endpoints of docs/adr/0004 that identity calls for `users` and `updateUser`. */
export function registerMembershipRoutes(app: FastifyInstance, db: Db): void {
  app.post("/internal/memberships/query", async (request, reply) => {
    const parsed = querySchema.safeParse(request.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: invalidInput(parsed.error.issues).message });
    const workspaceIds = await administeredWorkspaceIds(db, request.actor);
    const memberships = await membershipsIn(db, workspaceIds, parsed.data.userIds);
    return {
      memberships: memberships.map((m) => ({
        userId: m.userId,
        workspaceId: m.workspaceId,
        role: m.role,
        customRoleId: m.customRoleId,
      })),
    };
  });

  /**
   * The workspaces a user owns, read from the memberships themselves (not limited to what the
   * actor administers): identity asks before deleting a user, since a workspace must keep its
   * owner (docs/adr/0004). Org admins only, as deleting users is theirs.
   */
  app.post("/internal/memberships/owned", async (request, reply) => {
    const parsed = ownedSchema.safeParse(request.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: invalidInput(parsed.error.issues).message });
    const actor = request.actor;
    if (actor.kind !== "user" || actor.orgRole !== "ORG_ADMIN") {
      return reply.code(403).send({ error: "organisation admins only" });
    }
    return { workspaces: await workspacesOwnedBy(db, parsed.data.userId, actor.organisationId) };
  });

  /**
   * Sets and removes one user's memberships, all or nothing: any refused workspace refuses the
   * whole request. Domain refusals answer 200 with `{ error: { code, message } }` (the call
   * itself succeeded); a malformed body is 400.
   */
  app.post("/internal/memberships/apply", async (request, reply) => {
    const parsed = applySchema.safeParse(request.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: invalidInput(parsed.error.issues).message });
    const { userId, set, remove } = parsed.data;
    const actor = request.actor;
    try {
      if (actor.kind !== "user") throw forbidden("Only people can change memberships");
      const touched = [...set.map((s) => s.workspaceId), ...remove];
      if (new Set(touched).size !== touched.length)
        throw invalidInput([{ path: ["set"], message: "each workspace may appear once" }]);
      const person = await findPerson(db, userId);
      if (person && person.organisationId !== actor.organisationId) throw notFound("User");
      const actedBy = eventActor(actor);
      await db.$transaction(async (tx) => {
        for (const entry of set) {
          const access = await authorize(freshAccess({ actor, db: tx }), entry.workspaceId, "members:update");
          // The same lock transferOwnership takes, so the role read below cannot be stale.
          await lockWorkspace(tx, entry.workspaceId);
          const role = assignableRole(entry.role === "CUSTOM" ? null : entry.role, entry.customRoleId);
          const custom = role.customRoleId ? await customRoleOf(tx, entry.workspaceId, role.customRoleId) : null;
          const manager = managerOf(actor, access);
          const existing = await findMembership(tx, entry.workspaceId, userId);
          if (existing) {
            if (existing.role === role.role && existing.customRoleId === role.customRoleId) continue;
            assertCanChangeRole(actor.userId, existing);
            assertMayManage(manager, [existing]);
            assertMayGive(manager, role, custom?.permissions ?? null);
            await changeMembershipRole(tx, {
              workspace: access.workspace,
              membership: existing,
              ...role,
              actor: actedBy,
            });
          } else {
            assertMayGive(manager, role, custom?.permissions ?? null);
            await addMembership(tx, {
              workspace: access.workspace,
              userId,
              ...role,
              actor: actedBy,
              checkSeats: true,
              via: "update_user",
            });
          }
        }
        for (const workspaceId of remove) {
          const access = await authorize(freshAccess({ actor, db: tx }), workspaceId, "members:remove");
          await lockWorkspace(tx, workspaceId);
          const existing = await findMembership(tx, workspaceId, userId);
          if (!existing) continue;
          assertCanRemove(actor.userId, existing);
          assertMayManage(managerOf(actor, access), [existing]);
          await removeMembership(tx, {
            workspace: access.workspace,
            membership: existing,
            actor: actedBy,
            reason: "removed",
          });
        }
      });
      return { ok: true };
    } catch (error) {
      if (isAppError(error)) return { error: { code: error.code, message: error.message } };
      throw error;
    }
  });
}
