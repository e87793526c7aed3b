import { describe, expect, test } from "@jest/globals";
import { createWorkspace, errorCodes, eventually, graphql, graphqlOk, signUp } from "../harness/stack.js";
import { createOrgMember } from "../harness/people.js";
import { joinThroughRequest, permissionsOf, setPlan, workspaceWithMembers } from "../harness/workspace.js";

const MEMBERS = `query($id: ID!) { workspace(id: $id) { members { nodes { user { id } role customRole { id name } overrides { granted denied } } } } }`;
type Members = {
  workspace: {
    members: {
      nodes: Array<{
        user: { id: string };
        role: string;
        customRole: { id: string; name: string } | null;
        overrides: { granted: string[]; denied: string[] };
      }>;
    };
  };
};

const SET_ROLE = `mutation($w: ID!, $u: ID!, $r: WorkspaceRole, $c: ID) { setMemberRole(workspaceId: $w, userId: $u, input: { role: $r, customRoleId: $c }) { user { id } role } }`;
const REMOVE = `mutation($w: ID!, $u: ID!) { removeMember(workspaceId: $w, userId: $u) }`;
const OVERRIDES = `mutation($w: ID!, $u: [ID!]!, $g: [String!], $d: [String!]) { setMemberPermissions(workspaceId: $w, userIds: $u, input: { grant: $g, deny: $d }) { user { id } overrides { granted denied } } }`;

describe("join requests", () => {
  test("a person of the organisation asks to join; an admin approves with a role, and the seat count holds", async () => {
    const owner = await signUp();
    const workspaceId = await createWorkspace(owner.token, "Join desk");
    const alice = await createOrgMember(owner.organisationId);

    // Before joining, alice cannot see the workspace at all.
    expect(
      errorCodes(
        await graphql(
          `
            query ($id: ID!) {
              workspace(id: $id) {
                id
              }
            }
          `,
          { token: alice.token, variables: { id: workspaceId } },
        ),
      ),
    ).toEqual(["NOT_FOUND"]);

    const request = await graphqlOk<{ requestToJoin: { id: string; status: string; user: { id: string } } }>(
      `mutation($w: ID!) { requestToJoin(workspaceId: $w, message: "let me in") { id status user { id } } }`,
      { token: alice.token, variables: { w: workspaceId } },
    );
    expect(request.requestToJoin).toMatchObject({ status: "PENDING", user: { id: alice.userId } });
    const again = await graphql(
      `
        mutation ($w: ID!) {
          requestToJoin(workspaceId: $w) {
            id
          }
        }
      `,
      {
        token: alice.token,
        variables: { w: workspaceId },
      },
    );
    expect(errorCodes(again)).toEqual(["CONFLICT"]);

    const listed = await graphqlOk<{
      joinRequests: { nodes: Array<{ id: string; status: string; message: string }>; totalCount: number };
    }>(`query($w: ID!) { joinRequests(workspaceId: $w, status: PENDING) { nodes { id status message } totalCount } }`, {
      token: owner.token,
      variables: { w: workspaceId },
    });
    expect(listed.joinRequests).toEqual({
      nodes: [{ id: request.requestToJoin.id, status: "PENDING", message: "let me in" }],
      totalCount: 1,
    });

    // A plain member cannot decide requests.
    const approved = await graphqlOk<{
      approveJoinRequest: { status: string; role: string; decidedBy: { id: string } };
    }>(`mutation($id: ID!) { approveJoinRequest(id: $id, input: { role: ADMIN }) { status role decidedBy { id } } }`, {
      token: owner.token,
      variables: { id: request.requestToJoin.id },
    });
    expect(approved.approveJoinRequest).toEqual({ status: "APPROVED", role: "ADMIN", decidedBy: { id: owner.userId } });
    const twice = await graphql(
      `
        mutation ($id: ID!) {
          rejectJoinRequest(id: $id) {
            id
          }
        }
      `,
      {
        token: owner.token,
        variables: { id: request.requestToJoin.id },
      },
    );
    expect(errorCodes(twice)).toEqual(["CONFLICT"]);

    const members = await graphqlOk<Members>(MEMBERS, { token: alice.token, variables: { id: workspaceId } });
    expect(members.workspace.members.nodes.map((m) => [m.user.id, m.role])).toEqual([
      [owner.userId, "OWNER"],
      [alice.userId, "ADMIN"],
    ]);

    // The now-admin rejects the next request.
    const bob = await createOrgMember(owner.organisationId);
    const bobRequest = await graphqlOk<{ requestToJoin: { id: string } }>(
      `mutation($w: ID!) { requestToJoin(workspaceId: $w) { id } }`,
      { token: bob.token, variables: { w: workspaceId } },
    );
    const memberCannot = await graphql(
      `
        query ($w: ID!) {
          joinRequests(workspaceId: $w) {
            nodes {
              id
            }
          }
        }
      `,
      {
        token: bob.token,
        variables: { w: workspaceId },
      },
    );
    expect(errorCodes(memberCannot)).toEqual(["NOT_FOUND"]);
    const rejected = await graphqlOk<{ rejectJoinRequest: { status: string } }>(
      `mutation($id: ID!) { rejectJoinRequest(id: $id) { status } }`,
      { token: alice.token, variables: { id: bobRequest.requestToJoin.id } },
    );
    expect(rejected.rejectJoinRequest.status).toBe("REJECTED");
  });

  test("seats: approving beyond the paid seats is PLAN_LIMIT and says so; more seats let it through", async () => {
    const { owner, workspaceId } = await workspaceWithMembers(2); // 3 of the trial's 3 seats
    const extra = await createOrgMember(owner.organisationId);
    const request = await graphqlOk<{ requestToJoin: { id: string } }>(
      `mutation($w: ID!) { requestToJoin(workspaceId: $w) { id } }`,
      { token: extra.token, variables: { w: workspaceId } },
    );
    const APPROVE = `mutation($id: ID!) { approveJoinRequest(id: $id, input: { role: MEMBER }) { status } }`;
    const refused = await graphql(APPROVE, { token: owner.token, variables: { id: request.requestToJoin.id } });
    expect(errorCodes(refused)).toEqual(["PLAN_LIMIT"]);
    expect(refused.errors?.[0]?.message).toMatch(/3 seats/);
    const count = await graphqlOk<{ workspace: { memberCount: number } }>(
      `query($id: ID!) { workspace(id: $id) { memberCount } }`,
      { token: owner.token, variables: { id: workspaceId } },
    );
    expect(count.workspace.memberCount).toBe(3);

    await setPlan(owner, workspaceId, { seats: 5 });
    expect(await graphqlOk(APPROVE, { token: owner.token, variables: { id: request.requestToJoin.id } })).toEqual({
      approveJoinRequest: { status: "APPROVED" },
    });
  });

  test("someone of another organisation cannot ask to join (NOT_FOUND)", async () => {
    const owner = await signUp();
    const workspaceId = await createWorkspace(owner.token, "Private");
    const stranger = await signUp();
    const result = await graphql(
      `
        mutation ($w: ID!) {
          requestToJoin(workspaceId: $w) {
            id
          }
        }
      `,
      {
        token: stranger.token,
        variables: { w: workspaceId },
      },
    );
    expect(errorCodes(result)).toEqual(["NOT_FOUND"]);
  });
});

describe("member invariants", () => {
  test("nobody changes their own role, the owner's role is fixed, OWNER cannot be given", async () => {
    const { owner, workspaceId, members } = await workspaceWithMembers(2);
    const [admin, member] = members as [(typeof members)[0], (typeof members)[0]];
    await graphqlOk(SET_ROLE, { token: owner.token, variables: { w: workspaceId, u: admin.userId, r: "ADMIN" } });

    const own = await graphql(SET_ROLE, {
      token: admin.token,
      variables: { w: workspaceId, u: admin.userId, r: "MEMBER" },
    });
    expect(errorCodes(own)).toEqual(["FORBIDDEN"]);
    const ownersRole = await graphql(SET_ROLE, {
      token: admin.token,
      variables: { w: workspaceId, u: owner.userId, r: "MEMBER" },
    });
    expect(errorCodes(ownersRole)).toEqual(["FORBIDDEN"]);
    const toOwner = await graphql(SET_ROLE, {
      token: owner.token,
      variables: { w: workspaceId, u: member.userId, r: "OWNER" },
    });
    expect(errorCodes(toOwner)).toEqual(["BAD_USER_INPUT"]);
    expect(toOwner.errors?.[0]?.message).toMatch(/transferOwnership/);
    const byMember = await graphql(SET_ROLE, {
      token: member.token,
      variables: { w: workspaceId, u: admin.userId, r: "MEMBER" },
    });
    expect(errorCodes(byMember)).toEqual(["FORBIDDEN"]);

    const removeSelf = await graphql(REMOVE, { token: admin.token, variables: { w: workspaceId, u: admin.userId } });
    expect(errorCodes(removeSelf)).toEqual(["FORBIDDEN"]);
    const removeOwner = await graphql(REMOVE, { token: admin.token, variables: { w: workspaceId, u: owner.userId } });
    expect(errorCodes(removeOwner)).toEqual(["FORBIDDEN"]);

    const roles = await graphqlOk<Members>(MEMBERS, { token: owner.token, variables: { id: workspaceId } });
    expect(roles.workspace.members.nodes.map((m) => m.role)).toEqual(["OWNER", "ADMIN", "MEMBER"]);

    expect(await graphqlOk(REMOVE, { token: admin.token, variables: { w: workspaceId, u: member.userId } })).toEqual({
      removeMember: member.userId,
    });
    // The removed member loses the workspace on their very next request.
    const gone = await graphql(
      `
        query ($id: ID!) {
          workspace(id: $id) {
            id
          }
        }
      `,
      { token: member.token, variables: { id: workspaceId } },
    );
    expect(errorCodes(gone)).toEqual(["NOT_FOUND"]);
  });

  test("a role change applies on the member's very next request", async () => {
    const { owner, workspaceId, members } = await workspaceWithMembers(1);
    const member = members[0]!;
    expect(await permissionsOf(member.token, workspaceId)).not.toContain("members:update");
    await graphqlOk(SET_ROLE, { token: owner.token, variables: { w: workspaceId, u: member.userId, r: "ADMIN" } });
    expect(await permissionsOf(member.token, workspaceId)).toContain("members:update");
    await graphqlOk(SET_ROLE, { token: owner.token, variables: { w: workspaceId, u: member.userId, r: "MEMBER" } });
    expect(await permissionsOf(member.token, workspaceId)).not.toContain("members:update");
  });

  test("transferOwnership: only the owner; the previous owner becomes ADMIN; exactly one owner", async () => {
    const { owner, workspaceId, members } = await workspaceWithMembers(2);
    const [heir, other] = members as [(typeof members)[0], (typeof members)[0]];
    const TRANSFER = `mutation($w: ID!, $u: ID!) { transferOwnership(workspaceId: $w, userId: $u) { id myRole } }`;
    expect(
      errorCodes(await graphql(TRANSFER, { token: other.token, variables: { w: workspaceId, u: other.userId } })),
    ).toEqual(["FORBIDDEN"]);
    const done = await graphqlOk<{ transferOwnership: { myRole: string } }>(TRANSFER, {
      token: owner.token,
      variables: { w: workspaceId, u: heir.userId },
    });
    expect(done.transferOwnership.myRole).toBe("ADMIN");
    const roles = await graphqlOk<Members>(MEMBERS, { token: heir.token, variables: { id: workspaceId } });
    expect(Object.fromEntries(roles.workspace.members.nodes.map((m) => [m.user.id, m.role]))).toEqual({
      [owner.userId]: "ADMIN",
      [heir.userId]: "OWNER",
      [other.userId]: "MEMBER",
    });
    expect(await permissionsOf(heir.token, workspaceId)).toContain("api_keys:create");
    expect(await permissionsOf(owner.token, workspaceId)).not.toContain("api_keys:create");
  });

  test("bulk overrides: all or nothing, the answer lists the affected members, effective on the next request", async () => {
    const { owner, workspaceId, members } = await workspaceWithMembers(3);
    const [a, b, c] = members as [(typeof members)[0], (typeof members)[0], (typeof members)[0]];

    const ok = await graphqlOk<{
      setMemberPermissions: Array<{ user: { id: string }; overrides: { granted: string[]; denied: string[] } }>;
    }>(OVERRIDES, {
      token: owner.token,
      variables: { w: workspaceId, u: [a.userId, b.userId], g: ["teams:create"], d: ["tickets:delete"] },
    });
    expect(ok.setMemberPermissions).toEqual([
      { user: { id: a.userId }, overrides: { granted: ["teams:list", "teams:create"], denied: ["tickets:delete"] } },
      { user: { id: b.userId }, overrides: { granted: ["teams:list", "teams:create"], denied: ["tickets:delete"] } },
    ]);
    const aPerms = await permissionsOf(a.token, workspaceId);
    expect(aPerms).toContain("teams:create");
    expect(aPerms).not.toContain("tickets:delete");

    // One refused member (the owner) refuses the whole request: c is left untouched.
    const withOwner = await graphql(OVERRIDES, {
      token: owner.token,
      variables: { w: workspaceId, u: [c.userId, owner.userId], d: ["tickets:list"] },
    });
    expect(errorCodes(withOwner)).toEqual(["FORBIDDEN"]);
    // Owner-only actions cannot be lifted; unknown permissions are named.
    const ownerOnly = await graphql(OVERRIDES, {
      token: owner.token,
      variables: { w: workspaceId, u: [c.userId], g: ["api_keys:create"] },
    });
    expect(errorCodes(ownerOnly)).toEqual(["BAD_USER_INPUT"]);
    expect(ownerOnly.errors?.[0]?.message).toMatch(/api_keys:create/);
    const unknown = await graphql(OVERRIDES, {
      token: owner.token,
      variables: { w: workspaceId, u: [c.userId], g: ["tickets:fly"] },
    });
    expect(errorCodes(unknown)).toEqual(["BAD_USER_INPUT"]);
    expect(unknown.errors?.[0]?.message).toMatch(/tickets:fly/);
    // Nobody edits their own.
    await graphqlOk(SET_ROLE, { token: owner.token, variables: { w: workspaceId, u: a.userId, r: "ADMIN" } });
    const own = await graphql(OVERRIDES, {
      token: a.token,
      variables: { w: workspaceId, u: [a.userId, c.userId], g: ["roles:create"] },
    });
    expect(errorCodes(own)).toEqual(["FORBIDDEN"]);

    const after = await graphqlOk<Members>(MEMBERS, { token: owner.token, variables: { id: workspaceId } });
    expect(after.workspace.members.nodes.find((m) => m.user.id === c.userId)?.overrides).toEqual({
      granted: [],
      denied: [],
    });
    expect(await permissionsOf(c.token, workspaceId)).toContain("tickets:list");
  });

  test("another tenant's workspace and members are NOT_FOUND", async () => {
    const { workspaceId, members } = await workspaceWithMembers(1);
    const stranger = await signUp();
    for (const [query, variables] of [
      [MEMBERS, { id: workspaceId }],
      [SET_ROLE, { w: workspaceId, u: members[0]!.userId, r: "ADMIN" }],
      [REMOVE, { w: workspaceId, u: members[0]!.userId }],
      [`query($w: ID!) { myPermissions(workspaceId: $w) }`, { w: workspaceId }],
    ] as const) {
      expect(errorCodes(await graphql(query, { token: stranger.token, variables }))).toEqual(["NOT_FOUND"]);
    }
  });

  test("workspaceCount on identity's User, and member.added for the owner in the activity log", async () => {
    const { owner, workspaceId, members } = await workspaceWithMembers(1);
    await createWorkspace(owner.token, `Second ${Date.now()}`);
    const me = await graphqlOk<{ me: { workspaceCount: number } }>(`{ me { workspaceCount } }`, { token: owner.token });
    expect(me.me.workspaceCount).toBe(2);
    const listed = await graphqlOk<{
      workspace: { members: { nodes: Array<{ user: { id: string; email: string; workspaceCount: number } }> } };
    }>(`query($id: ID!) { workspace(id: $id) { members { nodes { user { id email workspaceCount } } } } }`, {
      token: owner.token,
      variables: { id: workspaceId },
    });
    expect(listed.workspace.members.nodes.map((m) => m.user.workspaceCount)).toEqual([2, 1]);
    expect(listed.workspace.members.nodes[1]?.user.email).toBe(members[0]!.email);

    const entries = await eventually(async () => {
      const page = await graphqlOk<{ activityLog: { nodes: Array<{ action: string; target: { id: string } }> } }>(
        `query($id: ID!) { activityLog(workspaceId: $id) { nodes { action target { id } } } }`,
        { token: owner.token, variables: { id: workspaceId } },
      );
      const added = page.activityLog.nodes.filter((e) => e.action === "member.added");
      return added.length === 2 ? added : undefined;
    });
    expect(entries.map((e) => e.target.id).sort()).toEqual([owner.userId, members[0]!.userId].sort());
  });
});

describe("joining with a custom role", () => {
  test("approveJoinRequest can give a custom role", async () => {
    const owner = await signUp();
    const workspaceId = await createWorkspace(owner.token, "Custom join");
    await setPlan(owner, workspaceId, { plan: "PRO" });
    const role = await graphqlOk<{ createRole: { id: string } }>(
      `mutation($w: ID!) { createRole(workspaceId: $w, input: { name: "Triage", permissions: ["tickets:assign"] }) { id } }`,
      { token: owner.token, variables: { w: workspaceId } },
    );
    const member = await createOrgMember(owner.organisationId);
    await joinThroughRequest(owner, workspaceId, member, { customRoleId: role.createRole.id });
    expect(await permissionsOf(member.token, workspaceId)).toEqual(["tickets:list", "tickets:assign"]);
  });
});
