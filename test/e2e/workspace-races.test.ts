import { describe, expect, test } from "@jest/globals";
import { errorCodes, graphql, graphqlOk, type GraphQLResponse } from "../harness/stack.js";
import { createOrgMember } from "../harness/people.js";
import { setPlan, workspaceWithMembers } from "../harness/workspace.js";

/**
 * Concurrent writes to one workspace: whatever the interleaving, the invariants hold and every
 * refusal is a SPEC error code, never an internal error.
 */
const MEMBERS = `query($id: ID!) { workspace(id: $id) { members(first: 100) { nodes { user { id } role customRole { id } } } } }`;
type Members = {
  workspace: { members: { nodes: Array<{ user: { id: string }; role: string; customRole: { id: string } | null }> } };
};
const SET_ROLE = `mutation($w: ID!, $u: ID!, $r: WorkspaceRole, $c: ID) { setMemberRole(workspaceId: $w, userId: $u, input: { role: $r, customRoleId: $c }) { role } }`;
const REMOVE = `mutation($w: ID!, $u: ID!) { removeMember(workspaceId: $w, userId: $u) }`;
const TRANSFER = `mutation($w: ID!, $u: ID!) { transferOwnership(workspaceId: $w, userId: $u) { id } }`;
const APPROVE = `mutation($id: ID!) { approveJoinRequest(id: $id, input: { role: MEMBER }) { status } }`;
const REJECT = `mutation($id: ID!) { rejectJoinRequest(id: $id) { status } }`;
const CREATE_ROLE = `mutation($w: ID!, $input: CreateRoleInput!) { createRole(workspaceId: $w, input: $input) { id } }`;
const DELETE_ROLE = `mutation($id: ID!) { deleteRole(id: $id) }`;
const OVERRIDES = `mutation($w: ID!, $u: [ID!]!, $g: [String!], $d: [String!]) { setMemberPermissions(workspaceId: $w, userIds: $u, input: { grant: $g, deny: $d }) { user { id } } }`;

const ok = (result: GraphQLResponse<unknown>) => !result.errors?.length;

async function membersOf(token: string, workspaceId: string) {
  return (await graphqlOk<Members>(MEMBERS, { token, variables: { id: workspaceId } })).workspace.members.nodes;
}

describe("concurrent people changes", () => {
  test("transferOwnership racing a role change or removal of the heir leaves exactly one owner", async () => {
    const rounds = 3;
    const fixtures = await Promise.all(
      Array.from({ length: rounds * 2 }, (_, i) => workspaceWithMembers(2, `Race ${i}`)),
    );
    for (const [i, { owner, workspaceId, members }] of fixtures.entries()) {
      const [admin, heir] = members as [(typeof members)[0], (typeof members)[0]];
      await graphqlOk(SET_ROLE, { token: owner.token, variables: { w: workspaceId, u: admin.userId, r: "ADMIN" } });
      const second =
        i % 2 === 0
          ? graphql(SET_ROLE, { token: admin.token, variables: { w: workspaceId, u: heir.userId, r: "ADMIN" } })
          : graphql(REMOVE, { token: admin.token, variables: { w: workspaceId, u: heir.userId } });
      const [transferred, other] = await Promise.all([
        graphql(TRANSFER, { token: owner.token, variables: { w: workspaceId, u: heir.userId } }),
        second,
      ]);
      for (const result of [transferred, other]) {
        if (!ok(result)) expect(errorCodes(result)).toEqual([expect.stringMatching(/^(FORBIDDEN|NOT_FOUND)$/)]);
      }
      const after = await membersOf(admin.token, workspaceId).catch(() => membersOf(owner.token, workspaceId));
      expect(after.filter((m) => m.role === "OWNER")).toHaveLength(1);
    }
  });

  test("a join request decided twice at once: one decision wins, the other is CONFLICT", async () => {
    const { owner, workspaceId } = await workspaceWithMembers(0, "Decide once");
    await setPlan(owner, workspaceId, { seats: 20 });
    const people = await Promise.all(Array.from({ length: 6 }, () => createOrgMember(owner.organisationId)));
    const requests = await Promise.all(
      people.map((person) =>
        graphqlOk<{ requestToJoin: { id: string } }>(`mutation($w: ID!) { requestToJoin(workspaceId: $w) { id } }`, {
          token: person.token,
          variables: { w: workspaceId },
        }),
      ),
    );
    const outcomes = await Promise.all(
      requests.map(async (request, i) => {
        const id = request.requestToJoin.id;
        // Half the requests get approve + reject at once, the other half two approvals.
        const second = i % 2 === 0 ? REJECT : APPROVE;
        const results = await Promise.all([
          graphql(APPROVE, { token: owner.token, variables: { id } }),
          graphql(second, { token: owner.token, variables: { id } }),
        ]);
        return { results, userId: people[i]!.userId };
      }),
    );
    const members = await membersOf(owner.token, workspaceId);
    for (const { results, userId } of outcomes) {
      expect(results.filter(ok)).toHaveLength(1);
      expect(errorCodes(results.find((r) => !ok(r))!)).toEqual(["CONFLICT"]);
      const winner = results.find(ok)!.data as Record<string, { status: string }>;
      const status = Object.values(winner)[0]!.status;
      expect(members.some((m) => m.user.id === userId)).toBe(status === "APPROVED");
    }
  });

  test("deleting a custom role while it is being assigned: either CONFLICT or NOT_FOUND, never both done", async () => {
    const { owner, workspaceId, members } = await workspaceWithMembers(4, "Role race");
    await setPlan(owner, workspaceId, { plan: "UNLIMITED" });
    const roles = await Promise.all(
      members.map((_, i) =>
        graphqlOk<{ createRole: { id: string } }>(CREATE_ROLE, {
          token: owner.token,
          variables: { w: workspaceId, input: { name: `Racing ${i}`, permissions: ["tickets:view"] } },
        }),
      ),
    );
    const outcomes = await Promise.all(
      members.map(async (member, i) => {
        const roleId = roles[i]!.createRole.id;
        const [assigned, deleted] = await Promise.all([
          graphql(SET_ROLE, { token: owner.token, variables: { w: workspaceId, u: member.userId, c: roleId } }),
          graphql(DELETE_ROLE, { token: owner.token, variables: { id: roleId } }),
        ]);
        return { assigned, deleted, userId: member.userId, roleId };
      }),
    );
    const after = await membersOf(owner.token, workspaceId);
    for (const { assigned, deleted, userId, roleId } of outcomes) {
      expect([ok(assigned), ok(deleted)].filter(Boolean)).toHaveLength(1);
      if (ok(assigned)) {
        expect(errorCodes(deleted)).toEqual(["CONFLICT"]);
        expect(after.find((m) => m.user.id === userId)?.customRole).toEqual({ id: roleId });
      } else {
        expect(errorCodes(assigned)).toEqual(["NOT_FOUND"]);
        expect(after.find((m) => m.user.id === userId)?.role).toBe("MEMBER");
      }
    }
  });
});

describe("concurrent role edits", () => {
  test("updateRole of the name and of the permissions at once keeps both changes", async () => {
    const { owner, workspaceId } = await workspaceWithMembers(0, "Role edits");
    await setPlan(owner, workspaceId, { plan: "UNLIMITED" });
    const UPDATE_ROLE = `mutation($id: ID!, $input: UpdateRoleInput!) { updateRole(id: $id, input: $input) { id } }`;
    for (let i = 0; i < 4; i += 1) {
      const created = await graphqlOk<{ createRole: { id: string } }>(CREATE_ROLE, {
        token: owner.token,
        variables: { w: workspaceId, input: { name: `Edited ${i}`, permissions: ["tickets:view"] } },
      });
      const id = created.createRole.id;
      await Promise.all([
        graphqlOk(UPDATE_ROLE, { token: owner.token, variables: { id, input: { name: `Renamed ${i}` } } }),
        graphqlOk(UPDATE_ROLE, { token: owner.token, variables: { id, input: { permissions: ["teams:create"] } } }),
      ]);
      const roles = await graphqlOk<{
        workspace: { roles: { nodes: Array<{ id: string; name: string; permissions: string[] }> } };
      }>(`query($id: ID!) { workspace(id: $id) { roles(first: 100) { nodes { id name permissions } } } }`, {
        token: owner.token,
        variables: { id: workspaceId },
      });
      expect(roles.workspace.roles.nodes.find((r) => r.id === id)).toEqual({
        id,
        name: `Renamed ${i}`,
        permissions: ["teams:list", "teams:create"],
      });
    }
  });

  test("updateTeam of the name and of the active flag at once keeps both changes", async () => {
    const { owner, workspaceId } = await workspaceWithMembers(0, "Team edits");
    const UPDATE_TEAM = `mutation($id: ID!, $input: UpdateTeamInput!) { updateTeam(id: $id, input: $input) { id } }`;
    for (let i = 0; i < 4; i += 1) {
      const created = await graphqlOk<{ createTeam: { id: string } }>(
        `mutation($w: ID!, $n: String!) { createTeam(workspaceId: $w, input: { name: $n }) { id } }`,
        { token: owner.token, variables: { w: workspaceId, n: `Tier ${i}` } },
      );
      const id = created.createTeam.id;
      await Promise.all([
        graphqlOk(UPDATE_TEAM, { token: owner.token, variables: { id, input: { name: `Renamed tier ${i}` } } }),
        graphqlOk(UPDATE_TEAM, { token: owner.token, variables: { id, input: { active: false } } }),
      ]);
      const teams = await graphqlOk<{
        workspace: { teams: { nodes: Array<{ id: string; name: string; active: boolean }> } };
      }>(`query($id: ID!) { workspace(id: $id) { teams(first: 100) { nodes { id name active } } } }`, {
        token: owner.token,
        variables: { id: workspaceId },
      });
      expect(teams.workspace.teams.nodes.find((t) => t.id === id)).toEqual({
        id,
        name: `Renamed tier ${i}`,
        active: false,
      });
    }
  });
});

describe("input validation", () => {
  test("setMemberPermissions names a member listed twice and writes nothing", async () => {
    const { owner, workspaceId, members } = await workspaceWithMembers(2, "Dupes");
    const [a, b] = members as [(typeof members)[0], (typeof members)[0]];
    const result = await graphql(OVERRIDES, {
      token: owner.token,
      variables: { w: workspaceId, u: [a.userId, b.userId, a.userId], g: ["teams:create"] },
    });
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.message).toContain(a.userId);
    const after = await graphqlOk<{ workspace: { members: { nodes: Array<{ overrides: { granted: string[] } }> } } }>(
      `query($id: ID!) { workspace(id: $id) { members(first: 100) { nodes { overrides { granted } } } } }`,
      { token: owner.token, variables: { id: workspaceId } },
    );
    expect(after.workspace.members.nodes.every((m) => m.overrides.granted.length === 0)).toBe(true);
  });
});
