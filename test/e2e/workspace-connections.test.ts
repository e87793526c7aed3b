import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, test } from "@jest/globals";
import { createWorkspace, errorCodes, graphql, graphqlOk, signUp, type GraphQLResponse } from "../harness/stack.js";
import { invitePerson } from "../harness/people.js";
import { setPlan, workspaceWithMembers, type WorkspaceFixture } from "../harness/workspace.js";

/**
 * Issue 20: the workspace subgraph's lists are connections (edges, nodes, pageInfo, totalCount)
 * read forward with first/after or backward with last/before, behind keyset cursors; instants
 * are DateTime (ISO 8601 UTC with milliseconds).
 */
const MEMBERS = `query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  workspace(id: $id) {
    members(first: $first, after: $after, last: $last, before: $before) {
      totalCount
      edges { cursor node { user { id } joinedAt } }
      nodes { user { id } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}`;

interface MemberPage {
  totalCount: number;
  edges: Array<{ cursor: string; node: { user: { id: string }; joinedAt: string } }>;
  nodes: Array<{ user: { id: string } }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const forge = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

let fixture: WorkspaceFixture;
/** Every member's user id, in the order they joined: the owner first. */
let everyone: string[];

async function membersPage(variables: Record<string, unknown>, token = fixture.owner.token): Promise<MemberPage> {
  const data = await graphqlOk<{ workspace: { members: MemberPage } }>(MEMBERS, {
    token,
    variables: { id: fixture.workspaceId, ...variables },
  });
  return data.workspace.members;
}

function expectRefused(result: GraphQLResponse<unknown>, field: string): void {
  expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
  expect(result.errors?.[0]?.extensions?.field).toBe(field);
}

beforeAll(async () => {
  fixture = await workspaceWithMembers(4, "Connections");
  everyone = [fixture.owner.userId, ...fixture.members.map((m) => m.userId)];
}, 120_000);

describe("Workspace.members", () => {
  test("the whole list on one page: every member in the order they joined, totalCount, nodes beside edges", async () => {
    const all = await membersPage({ first: 10 });
    expect(all.edges.map((e) => e.node.user.id)).toEqual(everyone);
    expect(all.nodes.map((n) => n.user.id)).toEqual(everyone);
    expect(all.totalCount).toBe(everyone.length);
    expect(all.pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: false,
      startCursor: all.edges[0]?.cursor,
      endCursor: all.edges.at(-1)?.cursor,
    });
    // DateTime: ISO 8601 UTC with milliseconds, never decreasing along the list.
    const joined = all.edges.map((e) => e.node.joinedAt);
    for (const at of joined) expect(at).toMatch(ISO_UTC);
    expect([...joined].sort()).toEqual(joined);
  });

  test("forward pages of 2 cover every member exactly once, in order", async () => {
    const seen: string[] = [];
    const flags: Array<[boolean, boolean]> = [];
    let after: string | null = null;
    for (;;) {
      const page: MemberPage = await membersPage({ first: 2, after });
      seen.push(...page.nodes.map((n) => n.user.id));
      flags.push([page.pageInfo.hasPreviousPage, page.pageInfo.hasNextPage]);
      expect(page.totalCount).toBe(everyone.length);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(everyone);
    // 5 members: [owner, a], [b, c], [d].
    expect(flags).toEqual([
      [false, true],
      [true, true],
      [true, false],
    ]);
  });

  test("backward pages of 2 from the end cover every member exactly once, each page in list order", async () => {
    const pages: string[][] = [];
    const flags: Array<[boolean, boolean]> = [];
    let before: string | null = null;
    for (;;) {
      const page: MemberPage = await membersPage({ last: 2, before });
      pages.unshift(page.nodes.map((n) => n.user.id));
      flags.push([page.pageInfo.hasPreviousPage, page.pageInfo.hasNextPage]);
      if (!page.pageInfo.hasPreviousPage) break;
      before = page.pageInfo.startCursor;
    }
    expect(pages.flat()).toEqual(everyone);
    expect(pages).toEqual([[everyone[0]], everyone.slice(1, 3), everyone.slice(3, 5)]);
    expect(flags).toEqual([
      [true, false],
      [true, true],
      [false, true],
    ]);
  });

  test("a cursor read forward pages backward too: before the third member are the first two", async () => {
    const all = await membersPage({ first: 10 });
    const third = all.edges[2]!.cursor;
    const page = await membersPage({ last: 10, before: third });
    expect(page.nodes.map((n) => n.user.id)).toEqual(everyone.slice(0, 2));
    expect(page.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: true });
    const rest = await membersPage({ first: 10, after: third });
    expect(rest.nodes.map((n) => n.user.id)).toEqual(everyone.slice(3));
  });

  test("forged and foreign cursors, first with last, and sizes out of 1..100 are BAD_USER_INPUT naming the argument", async () => {
    const run = (variables: Record<string, unknown>) =>
      graphql(MEMBERS, { token: fixture.owner.token, variables: { id: fixture.workspaceId, ...variables } });
    expectRefused(await run({ after: "not a cursor!" }), "after");
    expectRefused(await run({ after: forge(["2024-02-30T00:00:00.000Z", randomUUID()]) }), "after");
    expectRefused(await run({ last: 2, before: forge([5, randomUUID()]) }), "before");
    // A cursor of another list (teams are keyed by name) is not a cursor of this one.
    const team = await graphqlOk<{ createTeam: { id: string } }>(
      `mutation($w: ID!) { createTeam(workspaceId: $w, input: { name: "Cursor team" }) { id } }`,
      { token: fixture.owner.token, variables: { w: fixture.workspaceId } },
    );
    const teams = await graphqlOk<{ workspace: { teams: { edges: Array<{ cursor: string; node: { id: string } }> } } }>(
      `query($id: ID!) { workspace(id: $id) { teams { edges { cursor node { id } } } } }`,
      { token: fixture.owner.token, variables: { id: fixture.workspaceId } },
    );
    const teamCursor = teams.workspace.teams.edges.find((e) => e.node.id === team.createTeam.id)!.cursor;
    expectRefused(await run({ after: teamCursor }), "after");

    const both = await run({ first: 2, last: 2 });
    expectRefused(both, "last");
    expect(both.errors?.[0]?.message).toMatch(/first or last/);
    expectRefused(await run({ first: 2, before: (await membersPage({ first: 1 })).pageInfo.endCursor }), "before");
    expectRefused(await run({ first: 0 }), "first");
    expectRefused(await run({ last: 101 }), "last");
  });

  test("another tenant's workspace is still NOT_FOUND, cursor or not", async () => {
    const stranger = await signUp();
    const cursor = (await membersPage({ first: 1 })).pageInfo.endCursor;
    for (const variables of [{ first: 2 }, { first: 2, after: cursor }, { last: 2 }]) {
      const result = await graphql(MEMBERS, {
        token: stranger.token,
        variables: { id: fixture.workspaceId, ...variables },
      });
      expect(errorCodes(result)).toEqual(["NOT_FOUND"]);
    }
  });
});

describe("the other connections of a workspace", () => {
  test("roles page built-in roles first, then custom ones; a role's members page too", async () => {
    await setPlan(fixture.owner, fixture.workspaceId, { plan: "UNLIMITED" });
    for (const name of ["Billing desk", "Agents"]) {
      await graphqlOk(
        `mutation($w: ID!, $n: String!) { createRole(workspaceId: $w, input: { name: $n, permissions: ["tickets:view"] }) { id } }`,
        { token: fixture.owner.token, variables: { w: fixture.workspaceId, n: name } },
      );
    }
    const ROLES = `query($id: ID!, $first: Int = 2, $after: String) { workspace(id: $id) {
      roles(first: $first, after: $after) {
        totalCount
        nodes { name createdAt members(first: 2) { totalCount nodes { user { id } } pageInfo { hasNextPage } } }
        pageInfo { hasNextPage endCursor }
      } } }`;
    type Roles = {
      workspace: {
        roles: {
          totalCount: number;
          nodes: Array<{
            name: string;
            createdAt: string | null;
            members: { totalCount: number; nodes: Array<{ user: { id: string } }>; pageInfo: { hasNextPage: boolean } };
          }>;
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      };
    };
    const names: string[] = [];
    let after: string | null = null;
    let member: Roles["workspace"]["roles"]["nodes"][number] | undefined;
    for (;;) {
      const data: Roles = await graphqlOk<Roles>(ROLES, {
        token: fixture.owner.token,
        variables: { id: fixture.workspaceId, first: 2, after },
      });
      expect(data.workspace.roles.totalCount).toBe(8);
      names.push(...data.workspace.roles.nodes.map((r) => r.name));
      member ??= data.workspace.roles.nodes.find((r) => r.name === "MEMBER");
      for (const role of data.workspace.roles.nodes) {
        if (role.name === "Agents") expect(role.createdAt).toMatch(ISO_UTC);
        if (role.name === "OWNER") expect(role.createdAt).toBeNull();
      }
      if (!data.workspace.roles.pageInfo.hasNextPage) break;
      after = data.workspace.roles.pageInfo.endCursor;
    }
    expect(names).toEqual(["OWNER", "ADMIN", "SUPERVISOR", "AGENT", "SUPPORT", "MEMBER", "Agents", "Billing desk"]);
    // The four MEMBERs, two on the first page of the role's members.
    expect(member?.members).toEqual({
      totalCount: 4,
      nodes: everyone.slice(1, 3).map((id) => ({ user: { id } })),
      pageInfo: { hasNextPage: true },
    });
  });

  test("a team's members page by id; Team.createdAt is a DateTime", async () => {
    const ids = fixture.members.map((m) => m.userId);
    const created = await graphqlOk<{ createTeam: { id: string; createdAt: string } }>(
      `mutation($w: ID!, $m: [ID!]) { createTeam(workspaceId: $w, input: { name: "Paged team", memberIds: $m }) { id createdAt } }`,
      { token: fixture.owner.token, variables: { w: fixture.workspaceId, m: ids } },
    );
    expect(created.createTeam.createdAt).toMatch(ISO_UTC);
    const TEAM_MEMBERS = `query($id: ID!, $last: Int = 3, $before: String) { workspace(id: $id) { teams(first: 10) { nodes {
      id members(last: $last, before: $before) { totalCount nodes { id } pageInfo { hasPreviousPage startCursor } } } } } }`;
    type TeamMembers = {
      workspace: {
        teams: {
          nodes: Array<{
            id: string;
            members: {
              totalCount: number;
              nodes: Array<{ id: string }>;
              pageInfo: { hasPreviousPage: boolean; startCursor: string | null };
            };
          }>;
        };
      };
    };
    const seen: string[][] = [];
    let before: string | null = null;
    for (;;) {
      const data: TeamMembers = await graphqlOk<TeamMembers>(TEAM_MEMBERS, {
        token: fixture.owner.token,
        variables: { id: fixture.workspaceId, last: 3, before },
      });
      const members = data.workspace.teams.nodes.find((t) => t.id === created.createTeam.id)!.members;
      expect(members.totalCount).toBe(4);
      seen.unshift(members.nodes.map((n) => n.id));
      if (!members.pageInfo.hasPreviousPage) break;
      before = members.pageInfo.startCursor;
    }
    expect(seen.flat()).toEqual([...ids].sort());
  });

  test("workspaces, join requests and API keys are connections too", async () => {
    const data = await graphqlOk<{
      workspaces: { totalCount: number; nodes: Array<{ id: string; createdAt: string }> };
      joinRequests: { totalCount: number; nodes: Array<{ status: string; createdAt: string; decidedAt: string }> };
      apiKeys: { totalCount: number; nodes: unknown[] };
    }>(
      `query($w: ID!) {
        workspaces(first: 1) { totalCount nodes { id createdAt } }
        joinRequests(workspaceId: $w, status: APPROVED, last: 2) { totalCount nodes { status createdAt decidedAt } }
        apiKeys(workspaceId: $w) { totalCount nodes { id } }
      }`,
      { token: fixture.owner.token, variables: { w: fixture.workspaceId } },
    );
    expect(data.workspaces.totalCount).toBe(1);
    expect(data.workspaces.nodes).toEqual([{ id: fixture.workspaceId, createdAt: expect.stringMatching(ISO_UTC) }]);
    expect(data.joinRequests.totalCount).toBe(4);
    expect(data.joinRequests.nodes).toHaveLength(2);
    for (const request of data.joinRequests.nodes) {
      expect(request).toEqual({
        status: "APPROVED",
        createdAt: expect.stringMatching(ISO_UTC),
        decidedAt: expect.stringMatching(ISO_UTC),
      });
    }
    expect(data.apiKeys).toEqual({ totalCount: 0, nodes: [] });
  });

  test("the workspaces page reads the same list forward and backward, each with the caller's own permissions", async () => {
    const admin = await signUp();
    // Names that sort by case, accent and prefix, created out of order.
    const names = ["Desk b", "desk a", "Desk a", "Desk ä", "Desk a2"];
    const ids = new Map<string, string>();
    for (const name of names) ids.set(await createWorkspace(admin.token, name), name);
    const WORKSPACES = `query($first: Int, $after: String, $last: Int, $before: String) {
      workspaces(first: $first, after: $after, last: $last, before: $before) {
        totalCount
        edges { cursor node { id name myPermissions } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
    }`;
    type WorkspacePage = {
      totalCount: number;
      edges: Array<{ cursor: string; node: { id: string; name: string; myPermissions: string[] } }>;
      pageInfo: {
        hasNextPage: boolean;
        hasPreviousPage: boolean;
        startCursor: string | null;
        endCursor: string | null;
      };
    };
    const page = async (variables: Record<string, unknown>, token = admin.token) =>
      (await graphqlOk<{ workspaces: WorkspacePage }>(WORKSPACES, { token, variables })).workspaces;

    const whole = await page({ first: 100 });
    expect(whole.totalCount).toBe(names.length);
    expect(new Set(whole.edges.map((e) => e.node.id))).toEqual(new Set(ids.keys()));
    // The owner's permissions in each, as the single-workspace query answers them.
    for (const { node } of whole.edges) {
      const one = await graphqlOk<{ workspace: { myPermissions: string[] } }>(
        `query($id: ID!) { workspace(id: $id) { myPermissions } }`,
        { token: admin.token, variables: { id: node.id } },
      );
      expect(node.myPermissions).toEqual(one.workspace.myPermissions);
      expect(node.myPermissions).toContain("billing:manage");
    }

    const forward: string[] = [];
    let after: string | null = null;
    for (;;) {
      const next: WorkspacePage = await page({ first: 2, after });
      forward.push(...next.edges.map((e) => e.node.id));
      if (!next.pageInfo.hasNextPage) break;
      expect(next.edges).toHaveLength(2);
      after = next.pageInfo.endCursor;
    }
    expect(forward).toEqual(whole.edges.map((e) => e.node.id));

    const backward: string[][] = [];
    let before: string | null = null;
    for (;;) {
      const previous: WorkspacePage = await page({ last: 2, before });
      backward.unshift(previous.edges.map((e) => e.node.id));
      if (!previous.pageInfo.hasPreviousPage) break;
      before = previous.pageInfo.startCursor;
    }
    expect(backward.flat()).toEqual(whole.edges.map((e) => e.node.id));

    // A member sees only the workspace they belong to, with a member's permissions there.
    const [memberOf] = [...ids.keys()];
    const member = await invitePerson(admin, [{ workspaceId: memberOf!, role: "MEMBER" }]);
    const theirs = await page({ first: 100 }, member.token);
    expect(theirs.totalCount).toBe(1);
    expect(theirs.edges.map((e) => e.node.id)).toEqual([memberOf]);
    expect(theirs.edges[0]!.node.myPermissions).not.toContain("billing:manage");
    expect(theirs.edges[0]!.node.myPermissions).not.toContain("members:invite");
  });
});
