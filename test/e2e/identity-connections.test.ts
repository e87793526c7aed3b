import { beforeAll, describe, expect, test } from "@jest/globals";
import { createWorkspace, eventually, graphql, graphqlOk, signUp, type SignedUpUser } from "../harness/stack.js";
import { seedInvitation, seedPerson } from "../harness/identity.js";
import { billingOf } from "../harness/billing.js";

// Issue 20: users and invitations are connections (edges, nodes, pageInfo; first/after and
// last/before) keyed on their order, not on an offset: a user added between two pages neither
// repeats a row nor skips one. Instants are DateTime (ISO 8601 UTC), links URL.

const USERS = `query($first: Int, $after: String, $last: Int, $before: String) {
  users(first: $first, after: $after, last: $last, before: $before) {
    totalCount
    edges { cursor node { id lastName } }
    nodes { id lastName }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

interface UserPage {
  users: {
    totalCount: number;
    edges: Array<{ cursor: string; node: { id: string; lastName: string } }>;
    nodes: Array<{ id: string; lastName: string }>;
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  };
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const forge = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

let admin: SignedUpUser;

async function page(variables: Record<string, unknown>): Promise<UserPage["users"]> {
  const { users } = await graphqlOk<UserPage>(USERS, { token: admin.token, variables });
  // One shape: the edges carry the nodes, and pageInfo's cursors are the page's first and last.
  expect(users.edges.map((edge) => edge.node)).toEqual(users.nodes);
  expect(users.pageInfo.startCursor).toBe(users.edges[0]?.cursor ?? null);
  expect(users.pageInfo.endCursor).toBe(users.edges.at(-1)?.cursor ?? null);
  return users;
}

const person = (lastName: string) => seedPerson(admin.organisationId, { firstName: "Test", lastName });

/** Every user of the organisation, in the list's order (last name, first name, id). */
async function everyone(): Promise<string[]> {
  return (await page({ first: 100 })).nodes.map((user) => user.lastName);
}

beforeAll(async () => {
  admin = await signUp(); // Ada Lovelace
  for (const lastName of ["Babbage", "Curie", "Dijkstra", "Euler", "Fermat", "Gauss"]) await person(lastName);
}, 60_000);

describe("users pages by key", () => {
  test("forward: every user exactly once, in order, while users are added between pages", async () => {
    const before = await everyone();
    expect(before).toEqual(["Babbage", "Curie", "Dijkstra", "Euler", "Fermat", "Gauss", "Lovelace"]);

    const first = await page({ first: 2 });
    expect(first.nodes.map((user) => user.lastName)).toEqual(["Babbage", "Curie"]);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(first.totalCount).toBe(7);

    // One added on the side already read (an offset would now repeat Curie) and one ahead.
    await person("Abel");
    await person("Noether");

    const seen = first.nodes.map((user) => user.lastName);
    let after = first.pageInfo.endCursor;
    let last = first;
    while (last.pageInfo.hasNextPage) {
      last = await page({ first: 2, after });
      expect(last.pageInfo.hasPreviousPage).toBe(true);
      seen.push(...last.nodes.map((user) => user.lastName));
      after = last.pageInfo.endCursor;
    }
    expect(seen).toEqual(["Babbage", "Curie", "Dijkstra", "Euler", "Fermat", "Gauss", "Lovelace", "Noether"]);
    expect(last.totalCount).toBe(9);
    // Nothing after the last page.
    expect((await page({ first: 2, after })).nodes).toEqual([]);
  });

  test("backward: last/before read the same list from its end, with users added between pages", async () => {
    const all = await everyone();
    const end = await page({ last: 3 });
    expect(end.nodes.map((user) => user.lastName)).toEqual(all.slice(-3));
    expect(end.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });

    // One added on the side already read (after the cursor), one still ahead (before it).
    await person("Zermelo");
    await person("Cantor");

    const seen = end.nodes.map((user) => user.lastName);
    let before = end.pageInfo.startCursor;
    let current = end;
    while (current.pageInfo.hasPreviousPage) {
      current = await page({ last: 3, before });
      expect(current.pageInfo.hasNextPage).toBe(true);
      seen.unshift(...current.nodes.map((user) => user.lastName));
      before = current.pageInfo.startCursor;
    }
    const expected = [...all.slice(0, 1), "Cantor", ...all.slice(1)].sort();
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).not.toContain("Zermelo");
  });

  test("a cursor pages either way from its row", async () => {
    const all = await everyone();
    const middle = await page({ first: 3 });
    const back = await page({ last: 2, before: middle.pageInfo.endCursor });
    expect(back.nodes.map((user) => user.lastName)).toEqual(all.slice(0, 2));
    const forth = await page({ first: 2, after: back.pageInfo.startCursor });
    expect(forth.nodes.map((user) => user.lastName)).toEqual(all.slice(1, 3));
  });
});

describe("refused paging arguments are BAD_USER_INPUT naming the argument", () => {
  const refusal = async (variables: Record<string, unknown>) => {
    const result = await graphql(USERS, { token: admin.token, variables });
    expect(result.data?.users ?? null).toBeNull();
    return {
      code: result.errors?.[0]?.extensions?.code,
      field: result.errors?.[0]?.extensions?.field,
    };
  };

  test.each([
    ["the old offset cursor", forge({ offset: 1 })],
    ["the old text cursor", Buffer.from("offset:1").toString("base64url")],
    ["a key of the wrong shape", forge(["Lovelace", "Ada"])],
    ["a key whose id is not an id", forge(["Lovelace", "Ada", "not-an-id"])],
    ["not base64url at all", "offset:1"],
  ])("%s, as after or before", async (_, cursor) => {
    expect(await refusal({ first: 2, after: cursor })).toEqual({ code: "BAD_USER_INPUT", field: "after" });
    expect(await refusal({ last: 2, before: cursor })).toEqual({ code: "BAD_USER_INPUT", field: "before" });
  });

  test("first with last, and a cursor of the other direction", async () => {
    expect(await refusal({ first: 2, last: 2 })).toEqual({ code: "BAD_USER_INPUT", field: "last" });
    const { pageInfo } = await page({ first: 1 });
    expect(await refusal({ first: 2, before: pageInfo.endCursor })).toEqual({
      code: "BAD_USER_INPUT",
      field: "before",
    });
    expect(await refusal({ last: 2, after: pageInfo.endCursor })).toEqual({ code: "BAD_USER_INPUT", field: "after" });
    expect(await refusal({ last: 101 })).toEqual({ code: "BAD_USER_INPUT", field: "last" });
  });
});

describe("invitations page newest first, status filter kept", () => {
  const INVITATIONS = `query($status: InvitationStatus, $first: Int, $after: String, $last: Int, $before: String) {
    invitations(status: $status, first: $first, after: $after, last: $last, before: $before) {
      nodes { id createdAt expiresAt }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }`;
  interface InvitationPage {
    invitations: {
      nodes: Array<{ id: string; createdAt: string; expiresAt: string }>;
      pageInfo: {
        hasNextPage: boolean;
        hasPreviousPage: boolean;
        startCursor: string | null;
        endCursor: string | null;
      };
    };
  }
  const list = async (token: string, variables: Record<string, unknown>) =>
    (await graphqlOk<InvitationPage>(INVITATIONS, { token, variables })).invitations;

  test("forward and backward over the same order; instants answered as ISO 8601 UTC", async () => {
    const org = await signUp();
    const ids: string[] = [];
    for (let i = 0; i < 4; i += 1) ids.push((await seedInvitation(org.organisationId)).id);
    await seedInvitation(org.organisationId, { expiresAt: new Date(Date.now() - 1000) }); // EXPIRED

    const all = await list(org.token, { status: "PENDING" });
    expect(all.nodes.map((invitation) => invitation.id).sort()).toEqual([...ids].sort());
    const order = all.nodes.map((invitation) => invitation.id);
    const times = all.nodes.map((invitation) => Date.parse(invitation.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times); // newest first
    for (const invitation of all.nodes) {
      expect(invitation.createdAt).toMatch(ISO_UTC);
      expect(invitation.expiresAt).toMatch(ISO_UTC);
    }

    const first = await list(org.token, { status: "PENDING", first: 3 });
    expect(first.nodes.map((invitation) => invitation.id)).toEqual(order.slice(0, 3));
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const second = await list(org.token, { status: "PENDING", first: 3, after: first.pageInfo.endCursor });
    expect(second.nodes.map((invitation) => invitation.id)).toEqual(order.slice(3));
    expect(second.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });

    const end = await list(org.token, { status: "PENDING", last: 3 });
    expect(end.nodes.map((invitation) => invitation.id)).toEqual(order.slice(1));
    const start = await list(org.token, { status: "PENDING", last: 3, before: end.pageInfo.startCursor });
    expect(start.nodes.map((invitation) => invitation.id)).toEqual(order.slice(0, 1));
    expect(start.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
  });
});

describe("scalars", () => {
  test("User.createdAt is a DateTime answered as ISO 8601 UTC", async () => {
    const { me } = await graphqlOk<{ me: { createdAt: string } }>(`{ me { createdAt } }`, { token: admin.token });
    expect(me.createdAt).toMatch(ISO_UTC);
    expect(Math.abs(Date.parse(me.createdAt) - Date.now())).toBeLessThan(10 * 60_000);
  });

  test("a successUrl that is not a URL is BAD_USER_INPUT; the origin allow-list still holds; url and expiresAt answer as URL and DateTime", async () => {
    const owner = await signUp({ organisationName: "Scalar Org" });
    const workspaceId = await createWorkspace(owner.token, "Scalars");
    await eventually(() => billingOf(owner.token, workspaceId), 20_000, "the trial account");
    const CHECKOUT = `mutation($w: ID!, $success: URL, $cancel: URL) {
      startCheckout(workspaceId: $w, plan: PRO, seats: 5, successUrl: $success, cancelUrl: $cancel) { url expiresAt }
    }`;
    const refusal = async (variables: Record<string, unknown>) => {
      const result = await graphql(CHECKOUT, { token: owner.token, variables: { w: workspaceId, ...variables } });
      expect(result.data?.startCheckout ?? null).toBeNull();
      return { code: result.errors?.[0]?.extensions?.code, field: result.errors?.[0]?.extensions?.field };
    };
    expect(await refusal({ success: "not a url" })).toEqual({ code: "BAD_USER_INPUT", field: "$success" });
    expect(await refusal({ cancel: "/billing" })).toEqual({ code: "BAD_USER_INPUT", field: "$cancel" });
    expect(await refusal({ success: "https://evil.example/steal" })).toEqual({
      code: "BAD_USER_INPUT",
      field: "successUrl",
    });
    const literal = await graphql(
      `
        mutation ($w: ID!) {
          startCheckout(workspaceId: $w, plan: PRO, seats: 5, successUrl: "not a url") {
            url
          }
        }
      `,
      { token: owner.token, variables: { w: workspaceId } },
    );
    // Written into the operation, it makes the operation itself invalid: refused before anything runs.
    expect(literal.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");

    const started = await graphqlOk<{ startCheckout: { url: string; expiresAt: string } }>(CHECKOUT, {
      token: owner.token,
      variables: { w: workspaceId, success: "http://localhost:5173/billing?s={CHECKOUT_SESSION_ID}" },
    });
    expect(new URL(started.startCheckout.url).href).toBe(started.startCheckout.url);
    expect(started.startCheckout.expiresAt).toMatch(ISO_UTC);
  });
});
