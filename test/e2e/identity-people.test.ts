import { describe, expect, test } from "@jest/globals";
import { errorCodes, graphql, graphqlOk, signUp } from "../harness/stack.js";
import { SEEDED_PASSWORD, identityEvents, logIn, seedPerson } from "../harness/identity.js";

const ME = `{ me { id status } }`;
const SET_STATUS = `mutation($id: ID!, $status: UserStatus!) { setUserStatus(id: $id, input: { status: $status }) { id status } }`;
const SET_ROLE = `mutation($id: ID!, $role: OrgRole!) { setOrgRole(id: $id, input: { role: $role }) { id orgRole } }`;
const LOG_IN = `mutation($input: LogInInput!) { logIn(input: $input) { token } }`;
const USERS = `query($filter: UsersFilter, $first: Int, $after: String) {
  users(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } nodes { id firstName lastName email orgRole status }
  }
}`;

interface UsersPage {
  users: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    nodes: Array<{ id: string; firstName: string; lastName: string; email: string; orgRole: string; status: string }>;
  };
}

describe("user statuses and sessions", () => {
  test("disabling ends the user's sessions on their next request; re-enabled they sign in again", async () => {
    const admin = await signUp();
    const member = await seedPerson(admin.organisationId);
    expect(await graphqlOk(ME, { token: member.token })).toEqual({ me: { id: member.userId, status: "ACTIVE" } });

    const disabled = await graphqlOk(SET_STATUS, {
      token: admin.token,
      variables: { id: member.userId, status: "DISABLED" },
    });
    expect(disabled).toEqual({ setUserStatus: { id: member.userId, status: "DISABLED" } });
    expect(errorCodes(await graphql(ME, { token: member.token }))).toEqual(["UNAUTHENTICATED"]);
    // A disabled user cannot sign in, and is told nothing more than a wrong password would.
    const refused = await graphql(LOG_IN, { variables: { input: { email: member.email, password: SEEDED_PASSWORD } } });
    expect(errorCodes(refused)).toEqual(["UNAUTHENTICATED"]);
    expect(refused.errors?.[0]?.message).toBe("Invalid email or password");

    await graphqlOk(SET_STATUS, { token: admin.token, variables: { id: member.userId, status: "ACTIVE" } });
    // The old token stays dead (sessions were revoked); a new sign-in works.
    expect(errorCodes(await graphql(ME, { token: member.token }))).toEqual(["UNAUTHENTICATED"]);
    const token = await logIn(member.email, SEEDED_PASSWORD);
    expect(await graphqlOk(ME, { token })).toEqual({ me: { id: member.userId, status: "ACTIVE" } });

    const events = (await identityEvents(member.userId)).filter((e) => e.type === "user.status_changed");
    expect(events.map((e) => e.changes)).toEqual([
      [{ field: "status", old: "ACTIVE", new: "DISABLED" }],
      [{ field: "status", old: "DISABLED", new: "ACTIVE" }],
    ]);
    // The user's whole state, and its version: seeded at 1, disabled 2, re-enabled 3.
    expect(events[0]?.data).toEqual({
      userId: member.userId,
      orgRole: "MEMBER",
      status: "DISABLED",
      email: member.email,
      firstName: "Seeded",
      lastName: "Person",
      aggregateVersion: 2,
    });
    expect(events.map((e) => e.data.aggregateVersion)).toEqual([2, 3]);
    expect(events[0]?.workspaceId).toBeNull();
    expect(events[0]?.actor).toEqual({ type: "user", id: admin.userId });
  });

  test("a suspended user is refused as well", async () => {
    const admin = await signUp();
    const member = await seedPerson(admin.organisationId);
    await graphqlOk(SET_STATUS, { token: admin.token, variables: { id: member.userId, status: "SUSPENDED" } });
    expect(errorCodes(await graphql(ME, { token: member.token }))).toEqual(["UNAUTHENTICATED"]);
  });

  test("only org admins set statuses, never their own; another organisation's user is NOT_FOUND", async () => {
    const admin = await signUp();
    const member = await seedPerson(admin.organisationId);
    const stranger = await signUp();
    const own = await graphql(SET_STATUS, { token: admin.token, variables: { id: admin.userId, status: "DISABLED" } });
    expect(errorCodes(own)).toEqual(["FORBIDDEN"]);
    const byMember = await graphql(SET_STATUS, {
      token: member.token,
      variables: { id: admin.userId, status: "DISABLED" },
    });
    expect(errorCodes(byMember)).toEqual(["FORBIDDEN"]);
    const foreign = await graphql(SET_STATUS, {
      token: admin.token,
      variables: { id: stranger.userId, status: "DISABLED" },
    });
    expect(errorCodes(foreign)).toEqual(["NOT_FOUND"]);
    const malformed = await graphql(SET_STATUS, { token: admin.token, variables: { id: "nope", status: "DISABLED" } });
    expect(errorCodes(malformed)).toEqual(["NOT_FOUND"]);
    expect(await graphqlOk(ME, { token: stranger.token })).toEqual({ me: { id: stranger.userId, status: "ACTIVE" } });
  });
});

describe("setOrgRole", () => {
  test("an org admin promotes and demotes; events carry old -> new and ADR 0004's data", async () => {
    const admin = await signUp();
    const member = await seedPerson(admin.organisationId);
    expect(
      await graphqlOk(SET_ROLE, { token: admin.token, variables: { id: member.userId, role: "ORG_ADMIN" } }),
    ).toEqual({
      setOrgRole: { id: member.userId, orgRole: "ORG_ADMIN" },
    });
    // The new role applies on the member's next request (the session check reads it each time).
    const me = await graphqlOk<{ me: { orgRole: string } }>(`{ me { orgRole } }`, { token: member.token });
    expect(me.me.orgRole).toBe("ORG_ADMIN");
    await graphqlOk(SET_ROLE, { token: admin.token, variables: { id: member.userId, role: "MEMBER" } });

    const events = (await identityEvents(member.userId)).filter((e) => e.type === "user.org_role_changed");
    const state = {
      userId: member.userId,
      status: "ACTIVE",
      email: member.email,
      firstName: "Seeded",
      lastName: "Person",
    };
    expect(events.map((e) => [e.changes, e.data])).toEqual([
      [
        [{ field: "orgRole", old: "MEMBER", new: "ORG_ADMIN" }],
        { ...state, orgRole: "ORG_ADMIN", aggregateVersion: 2 },
      ],
      [[{ field: "orgRole", old: "ORG_ADMIN", new: "MEMBER" }], { ...state, orgRole: "MEMBER", aggregateVersion: 3 }],
    ]);
  });

  test("nobody changes their own org role; members change nobody's; other organisations are NOT_FOUND", async () => {
    const admin = await signUp();
    const member = await seedPerson(admin.organisationId);
    const stranger = await signUp();
    expect(
      errorCodes(await graphql(SET_ROLE, { token: admin.token, variables: { id: admin.userId, role: "MEMBER" } })),
    ).toEqual(["FORBIDDEN"]);
    expect(
      errorCodes(await graphql(SET_ROLE, { token: member.token, variables: { id: member.userId, role: "ORG_ADMIN" } })),
    ).toEqual(["FORBIDDEN"]);
    expect(
      errorCodes(await graphql(SET_ROLE, { token: member.token, variables: { id: admin.userId, role: "MEMBER" } })),
    ).toEqual(["FORBIDDEN"]);
    expect(
      errorCodes(await graphql(SET_ROLE, { token: admin.token, variables: { id: stranger.userId, role: "MEMBER" } })),
    ).toEqual(["NOT_FOUND"]);
  });

  test("two admins demoting each other at once: the organisation keeps an admin", async () => {
    const first = await signUp();
    const second = await seedPerson(first.organisationId, { orgRole: "ORG_ADMIN" });
    const results = await Promise.all([
      graphql(SET_ROLE, { token: first.token, variables: { id: second.userId, role: "MEMBER" } }),
      graphql(SET_ROLE, { token: second.token, variables: { id: first.userId, role: "MEMBER" } }),
    ]);
    const succeeded = results.filter((r) => !r.errors?.length);
    expect(succeeded).toHaveLength(1);
    const failed = results.find((r) => r.errors?.length);
    // The loser was demoted first (FORBIDDEN) or would have removed the last admin (CONFLICT).
    expect(["FORBIDDEN", "CONFLICT"]).toContain(errorCodes(failed as (typeof results)[number])[0]);
    const page = await graphqlOk<UsersPage>(USERS, {
      token: succeeded[0] === results[0] ? first.token : second.token,
      variables: { filter: null },
    });
    expect(page.users.nodes.filter((u) => u.orgRole === "ORG_ADMIN")).toHaveLength(1);
  });
});

describe("the Users page", () => {
  test("org admins see everyone of their organisation, filtered and paginated; nobody else's", async () => {
    const admin = await signUp();
    const grace = await seedPerson(admin.organisationId, { firstName: "Grace", lastName: "Hopper" });
    const alan = await seedPerson(admin.organisationId, { firstName: "Alan", lastName: "Turing" });
    const stranger = await signUp();

    const all = await graphqlOk<UsersPage>(USERS, { token: admin.token });
    expect(all.users.totalCount).toBe(3);
    expect(new Set(all.users.nodes.map((u) => u.id))).toEqual(new Set([admin.userId, grace.userId, alan.userId]));
    expect(all.users.nodes.some((u) => u.id === stranger.userId)).toBe(false);
    expect(all.users.nodes.find((u) => u.id === grace.userId)).toEqual({
      id: grace.userId,
      firstName: "Grace",
      lastName: "Hopper",
      email: grace.email,
      orgRole: "MEMBER",
      status: "ACTIVE",
    });

    const search = await graphqlOk<UsersPage>(USERS, { token: admin.token, variables: { filter: { search: "hopp" } } });
    expect(search.users.nodes.map((u) => u.id)).toEqual([grace.userId]);

    await graphqlOk(SET_STATUS, { token: admin.token, variables: { id: alan.userId, status: "SUSPENDED" } });
    const suspended = await graphqlOk<UsersPage>(USERS, {
      token: admin.token,
      variables: { filter: { status: "SUSPENDED" } },
    });
    expect(suspended.users.nodes.map((u) => u.id)).toEqual([alan.userId]);

    const first = await graphqlOk<UsersPage>(USERS, { token: admin.token, variables: { first: 2 } });
    expect(first.users.nodes).toHaveLength(2);
    expect(first.users.pageInfo.hasNextPage).toBe(true);
    const second = await graphqlOk<UsersPage>(USERS, {
      token: admin.token,
      variables: { first: 2, after: first.users.pageInfo.endCursor },
    });
    expect(second.users.nodes).toHaveLength(1);
    expect(second.users.pageInfo.hasNextPage).toBe(false);
    expect(new Set([...first.users.nodes, ...second.users.nodes].map((u) => u.id)).size).toBe(3);
  });

  test("anonymous callers are UNAUTHENTICATED", async () => {
    expect(errorCodes(await graphql(USERS))).toEqual(["UNAUTHENTICATED"]);
  });
});

describe("updateUser (identity's part) and deleteUser's own rules", () => {
  const UPDATE = `mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id firstName lastName orgRole } }`;
  const DELETE = `mutation($id: ID!) { deleteUser(id: $id) }`;

  test("a user renames themselves; an org admin renames and promotes; events list old -> new", async () => {
    const admin = await signUp();
    const member = await seedPerson(admin.organisationId, { firstName: "Kate", lastName: "Johnson" });
    await graphqlOk(UPDATE, {
      token: member.token,
      variables: { id: member.userId, input: { firstName: "Katherine" } },
    });
    const updated = await graphqlOk(UPDATE, {
      token: admin.token,
      variables: { id: member.userId, input: { lastName: "Goble", orgRole: "ORG_ADMIN" } },
    });
    expect(updated).toEqual({
      updateUser: { id: member.userId, firstName: "Katherine", lastName: "Goble", orgRole: "ORG_ADMIN" },
    });
    const events = (await identityEvents(member.userId)).filter(
      (e) => e.type.startsWith("user.") && e.type !== "user.logged_in",
    );
    expect(events.map((e) => [e.type, e.changes])).toEqual([
      ["user.updated", [{ field: "firstName", old: "Kate", new: "Katherine" }]],
      ["user.updated", [{ field: "lastName", old: "Johnson", new: "Goble" }]],
      ["user.org_role_changed", [{ field: "orgRole", old: "MEMBER", new: "ORG_ADMIN" }]],
    ]);
  });

  test("a member cannot give themselves a role; nothing to change is BAD_USER_INPUT", async () => {
    const admin = await signUp();
    const member = await seedPerson(admin.organisationId);
    const promote = await graphql(UPDATE, {
      token: member.token,
      variables: { id: member.userId, input: { orgRole: "ORG_ADMIN" } },
    });
    expect(errorCodes(promote)).toEqual(["FORBIDDEN"]);
    const own = await graphql(UPDATE, {
      token: admin.token,
      variables: { id: admin.userId, input: { orgRole: "MEMBER" } },
    });
    expect(errorCodes(own)).toEqual(["FORBIDDEN"]);
    const empty = await graphql(UPDATE, { token: admin.token, variables: { id: member.userId, input: {} } });
    expect(errorCodes(empty)).toEqual(["BAD_USER_INPUT"]);
    const blank = await graphql(UPDATE, {
      token: admin.token,
      variables: { id: member.userId, input: { firstName: " " } },
    });
    expect(errorCodes(blank)).toEqual(["BAD_USER_INPUT"]);
  });

  test("deleteUser: org admins only, not yourself, other organisations NOT_FOUND", async () => {
    const admin = await signUp();
    const member = await seedPerson(admin.organisationId);
    const stranger = await signUp();
    expect(errorCodes(await graphql(DELETE, { token: admin.token, variables: { id: admin.userId } }))).toEqual([
      "FORBIDDEN",
    ]);
    expect(errorCodes(await graphql(DELETE, { token: member.token, variables: { id: admin.userId } }))).toEqual([
      "FORBIDDEN",
    ]);
    expect(errorCodes(await graphql(DELETE, { token: admin.token, variables: { id: stranger.userId } }))).toEqual([
      "NOT_FOUND",
    ]);
    // A delete answers the deleted user's id.
    expect(await graphqlOk(DELETE, { token: admin.token, variables: { id: member.userId } })).toEqual({
      deleteUser: member.userId,
    });
  });
});

describe("user.signed_up", () => {
  test("carries ADR 0004's data", async () => {
    const user = await signUp();
    const [event] = (await identityEvents(user.userId)).filter((e) => e.type === "user.signed_up");
    expect(event?.data).toEqual({
      userId: user.userId,
      orgRole: "ORG_ADMIN",
      status: "ACTIVE",
      email: user.email,
      firstName: "Ada",
      lastName: "Lovelace",
      aggregateVersion: 1,
    });
    expect(event?.changes).toContainEqual({ field: "email", old: null, new: user.email });
  });
});
