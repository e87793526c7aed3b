import { randomUUID } from "node:crypto";
import { describe, expect, test } from "@jest/globals";
import { ACTOR_CONTEXT_HEADER, type Actor } from "@support/actor-context";
import { graphqlOk, internalContext, testStack } from "../harness/stack.js";
import { createOrgMember } from "../harness/people.js";
import { workspaceWithMembers } from "../harness/workspace.js";

/** Calls a workspace internal endpoint as a peer service would, forwarding a signed actor. */
async function internal(
  path: string,
  actor: Actor,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const stack = testStack();
  const response = await fetch(`${stack.serviceUrls.workspace}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      [ACTOR_CONTEXT_HEADER]: await internalContext(actor),
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const userActor = (userId: string, organisationId: string, orgRole: "ORG_ADMIN" | "MEMBER" = "MEMBER"): Actor => ({
  kind: "user",
  userId,
  organisationId,
  orgRole,
  sessionId: randomUUID(),
});

describe("internal endpoints of ADR 0004", () => {
  test("/internal/permissions answers the caller's standing; seats and custom roles when asked to include them", async () => {
    const { owner, workspaceId, members } = await workspaceWithMembers(1);
    const actor = userActor(members[0]!.userId, owner.organisationId);
    const answer = await internal("/internal/permissions", actor, { workspaceId });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      workspaceId,
      organisationId: owner.organisationId,
      role: "MEMBER",
      customRoleId: null,
      ticketAccess: "ALL",
      teamIds: [],
      plan: "BASIC",
    });
    expect(answer.body).not.toHaveProperty("seats");
    expect(answer.body).not.toHaveProperty("customRoles");
    expect(answer.body.permissions).toContain("tickets:list");
    const full = await internal("/internal/permissions", actor, { workspaceId, include: ["seats", "customRoles"] });
    expect(full.body).toMatchObject({ seats: 3, memberCount: 2, pendingInvitations: 0, customRoles: [] });
    const badInclude = await internal("/internal/permissions", actor, { workspaceId, include: ["secrets"] });
    expect(badInclude.status).toBe(400);
    const stranger = await internal("/internal/permissions", userActor(randomUUID(), randomUUID()), { workspaceId });
    expect(stranger.status).toBe(404);
  });

  test("/internal/permissions with workspaceIds: one answer per id in order, null for anything the caller may not see", async () => {
    const mine = await workspaceWithMembers(1);
    const theirs = await workspaceWithMembers(0);
    const member = mine.members[0]!;
    const actor = userActor(member.userId, mine.owner.organisationId);
    const asked = [theirs.workspaceId, mine.workspaceId, "not-a-uuid", randomUUID(), `${mine.workspaceId}\u202e`];
    const answer = await internal("/internal/permissions", actor, { workspaceIds: asked });
    expect(answer.status).toBe(200);
    const workspaces = answer.body.workspaces as Array<Record<string, unknown> | null>;
    expect(workspaces).toHaveLength(asked.length);
    // Another organisation's workspace is indistinguishable from a missing one.
    expect(workspaces[0]).toBeNull();
    expect(workspaces[1]).toMatchObject({ workspaceId: mine.workspaceId, role: "MEMBER", ticketAccess: "ALL" });
    expect(workspaces.slice(2)).toEqual([null, null, null]);
    // The same answer as the single form gives, without the extras only identity asks for.
    const single = await internal("/internal/permissions", actor, { workspaceId: mine.workspaceId });
    expect(workspaces[1]).toEqual(single.body);

    for (const bad of [
      { workspaceIds: [] },
      { workspaceIds: Array.from({ length: 101 }, () => randomUUID()) },
      { workspaceIds: "everything" },
      { workspaceIds: [mine.workspaceId], include: ["seats"] },
    ]) {
      const refused = await internal("/internal/permissions", actor, bad);
      expect(refused.status).toBe(400);
      expect(JSON.stringify(refused.body)).not.toMatch(/at \w+ \(|node_modules|prisma/i);
    }
  });

  test("/internal/memberships/query and /apply: scoped to what the actor administers, all or nothing", async () => {
    const { owner, workspaceId, members } = await workspaceWithMembers(1);
    const ownerActor = userActor(owner.userId, owner.organisationId, "ORG_ADMIN");
    const memberActor = userActor(members[0]!.userId, owner.organisationId);

    const seen = await internal("/internal/memberships/query", ownerActor, {});
    expect((seen.body.memberships as unknown[]).length).toBe(2);
    const memberSees = await internal("/internal/memberships/query", memberActor, {});
    expect(memberSees.body).toEqual({ memberships: [] });

    const newcomer = await createOrgMember(owner.organisationId);
    const applied = await internal("/internal/memberships/apply", ownerActor, {
      userId: newcomer.userId,
      set: [{ workspaceId, role: "ADMIN" }],
      remove: [],
    });
    expect(applied.body).toEqual({ ok: true });
    const perms = await graphqlOk<{ myPermissions: string[] }>(`query($w: ID!) { myPermissions(workspaceId: $w) }`, {
      token: newcomer.token,
      variables: { w: workspaceId },
    });
    expect(perms.myPermissions).toContain("members:update");

    // Seats are full now (3 of 3): adding one more is refused, and nothing of the request is applied.
    const fourth = await createOrgMember(owner.organisationId);
    const refused = await internal("/internal/memberships/apply", ownerActor, {
      userId: fourth.userId,
      set: [{ workspaceId, role: "MEMBER" }],
      remove: [],
    });
    expect(refused.body).toMatchObject({ error: { code: "PLAN_LIMIT" } });
    const owners = await internal("/internal/memberships/apply", ownerActor, {
      userId: owner.userId,
      set: [],
      remove: [workspaceId],
    });
    expect(owners.body).toMatchObject({ error: { code: "FORBIDDEN" } });
    const toOwner = await internal("/internal/memberships/apply", ownerActor, {
      userId: newcomer.userId,
      set: [{ workspaceId, role: "OWNER" }],
      remove: [],
    });
    expect(toOwner.body).toMatchObject({ error: { code: "BAD_USER_INPUT" } });
  });
});
