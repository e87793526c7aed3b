import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, test } from "@jest/globals";
import { createWorkspace, errorCodes, graphql, graphqlOk, signUp, type SignedUpUser } from "../harness/stack.js";

/**
 * Issue 19 (4): input that reached PostgreSQL unchecked was INTERNAL_SERVER_ERROR. Page cursors
 * were base64url JSON, easy to forge (since issue 20 they are signed, and an unsigned or altered
 * one is refused before its payload is read); a forged one with a key of the wrong type or out of its
 * column's range (1.5 or 1e20 for an integer key, 2024-02-30, year 0000), and time-range filters
 * PostgreSQL cannot hold, are BAD_USER_INPUT naming the argument, in every subgraph that takes them.
 */

const forge = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const id = randomUUID();

let owner: SignedUpUser;
let workspaceId: string;

beforeAll(async () => {
  owner = await signUp();
  workspaceId = await createWorkspace(owner.token, `Forged cursors ${Date.now()}`);
  await graphqlOk(`mutation($w: ID!) { createTicket(workspaceId: $w, input: { title: "One" }) { id } }`, {
    token: owner.token,
    variables: { w: workspaceId },
  });
}, 60_000);

async function expectRefused(query: string, variables: Record<string, unknown>, argument: string) {
  const result = await graphql(query, { token: owner.token, variables });
  expect({ codes: errorCodes(result), message: result.errors?.[0]?.message }).toEqual({
    codes: ["BAD_USER_INPUT"],
    message: expect.stringContaining(argument),
  });
}

describe("ticketing: tickets(after, filter)", () => {
  const TICKETS = `query($w: ID!, $s: TicketSort, $a: String, $f: TicketFilter) {
    tickets(workspaceId: $w, sort: $s, after: $a, filter: $f) { nodes { id } } }`;

  test.each([
    ["PRIORITY", 1.5],
    ["PRIORITY", 1e20],
    ["PRIORITY", -1],
    ["PRIORITY", "2"],
    ["CREATED_AT", "2024-02-30T00:00:00.000Z"],
    ["CREATED_AT", "0000-01-01T00:00:00.000Z"],
    ["UPDATED_AT", "+275760-09-13T00:00:00.000Z"],
    ["SLA_DUE_AT", "2023-02-29T10:00:00.000Z"],
    ["CREATED_AT", 5],
  ])("a forged %s cursor with key %p is BAD_USER_INPUT naming after", async (sort, key) => {
    await expectRefused(TICKETS, { w: workspaceId, s: sort, a: forge([sort, key, id]) }, "after");
  });

  test.each([
    ["createdFrom", "0000-01-01T00:00:00Z"],
    ["createdTo", "2024-02-30T00:00:00Z"],
    ["updatedFrom", "0001-01-01T01:00:00+02:00"],
    ["updatedTo", "9999-12-31T23:00:00-02:00"],
  ])("filter.%s %s is BAD_USER_INPUT naming it", async (field, value) => {
    await expectRefused(TICKETS, { w: workspaceId, f: { [field]: value } }, field);
  });

  test("a real cursor still pages", async () => {
    await graphqlOk(`mutation($w: ID!) { createTicket(workspaceId: $w, input: { title: "Two" }) { id } }`, {
      token: owner.token,
      variables: { w: workspaceId },
    });
    const PAGE = `query($w: ID!, $s: TicketSort, $a: String) {
      tickets(workspaceId: $w, sort: $s, first: 1, after: $a) { nodes { id } pageInfo { endCursor } } }`;
    for (const sort of ["CREATED_AT", "PRIORITY", "SLA_DUE_AT"]) {
      type Page = { tickets: { nodes: Array<{ id: string }>; pageInfo: { endCursor: string } } };
      const first = await graphqlOk<Page>(PAGE, { token: owner.token, variables: { w: workspaceId, s: sort } });
      const second = await graphqlOk<Page>(PAGE, {
        token: owner.token,
        variables: { w: workspaceId, s: sort, a: first.tickets.pageInfo.endCursor },
      });
      expect(second.tickets.nodes).toHaveLength(1);
      expect(second.tickets.nodes[0]?.id).not.toBe(first.tickets.nodes[0]?.id);
    }
  });
});

describe("audit: activityLog(after, filter) and activityStats(from, to)", () => {
  const LOG = `query($w: ID!, $a: String, $f: ActivityFilter) {
    activityLog(workspaceId: $w, after: $a, filter: $f) { pageInfo { endCursor } } }`;

  test.each([
    [{ occurredAt: "2024-02-30T00:00:00.000Z", seq: "1" }],
    [{ occurredAt: "0000-01-01T00:00:00.000Z", seq: "1" }],
    [{ occurredAt: "2024-01-01T00:00:00.000Z", seq: "99999999999999999999" }],
    [{ occurredAt: "2024-01-01T00:00:00.000Z", seq: 1.5 }],
    [{ occurredAt: 1_700_000_000_000, seq: "1" }],
  ])("a forged cursor %p is BAD_USER_INPUT naming after", async (value) => {
    await expectRefused(LOG, { w: workspaceId, a: forge(value) }, "after");
  });

  test.each([
    ["from", "0000-01-01T00:00:00Z"],
    ["to", "2024-02-30T00:00:00Z"],
  ])("filter.%s %s is BAD_USER_INPUT naming it", async (field, value) => {
    await expectRefused(LOG, { w: workspaceId, f: { [field]: value } }, field);
  });

  test.each([
    ["0000-01-01T00:00:00Z", "2024-01-01T00:00:00Z", "from"],
    ["2024-02-28T00:00:00Z", "2024-02-30T00:00:00Z", "to"],
  ])("activityStats(from: %s, to: %s) is BAD_USER_INPUT naming %s", async (from, to, argument) => {
    await expectRefused(
      // A date GraphQL refuses (2024-02-30) is named by its variable ($to), one it holds but the
      // database does not (year 0000) by its argument (from).
      `query($w: ID!, $from: DateTime!, $to: DateTime!) { activityStats(workspaceId: $w, from: $from, to: $to) { from } }`,
      { w: workspaceId, from, to },
      argument,
    );
  });
});

describe("identity: users(after, before) and invitations(after)", () => {
  const USERS = `query($a: String, $b: String) { users(after: $a, before: $b) { nodes { id } } }`;

  test.each([
    ["the old offset cursor", { offset: 1 }],
    ["an offset past any integer", { offset: 1e20 }],
    ["the old text format with a huge offset", null],
    ["a key whose id is not an id", ["Lovelace", "Ada", "1 OR 1=1"]],
    ["a key of the wrong types", [1, 2, id]],
    ["a key with a part missing", ["Lovelace", id]],
  ])("%s is BAD_USER_INPUT naming after (and before)", async (_, value) => {
    const cursor = value ? forge(value) : Buffer.from(`offset:${"9".repeat(30)}`).toString("base64url");
    await expectRefused(USERS, { a: cursor }, "after");
    await expectRefused(USERS, { b: cursor }, "before");
  });

  test("an invitations cursor with an impossible time is BAD_USER_INPUT naming after", async () => {
    await expectRefused(
      `query($a: String) { invitations(after: $a) { nodes { id } } }`,
      { a: forge(["2024-02-30T00:00:00.000Z", id]) },
      "after",
    );
  });

  test("a real cursor still pages", async () => {
    type Page = { users: { nodes: Array<{ id: string }>; pageInfo: { endCursor: string | null } } };
    const page = await graphqlOk<Page>(`{ users(first: 1) { nodes { id } pageInfo { endCursor } } }`, {
      token: owner.token,
    });
    expect(page.users.nodes).toHaveLength(1);
    const next = await graphqlOk<Page>(
      `query($a: String) { users(first: 1, after: $a) { nodes { id } pageInfo { endCursor } } }`,
      {
        token: owner.token,
        variables: { a: page.users.pageInfo.endCursor },
      },
    );
    expect(next.users.nodes).toEqual([]);
  });
});

describe("cursors are signed", () => {
  test("an answered cursor with its payload altered (still well-formed and in range) is refused; unaltered it pages", async () => {
    await graphqlOk(`mutation($w: ID!) { createTicket(workspaceId: $w, input: { title: "Two" }) { id } }`, {
      token: owner.token,
      variables: { w: workspaceId },
    });
    const TICKETS = `query($w: ID!, $a: String) { tickets(workspaceId: $w, first: 1, after: $a) { nodes { id } pageInfo { endCursor } } }`;
    type Page = { tickets: { nodes: Array<{ id: string }>; pageInfo: { endCursor: string } } };
    const first = await graphqlOk<Page>(TICKETS, { token: owner.token, variables: { w: workspaceId } });
    const cursor = first.tickets.pageInfo.endCursor;
    const [payload, mac] = cursor.split(".");
    expect(mac).toBeTruthy();
    const second = await graphqlOk<Page>(TICKETS, { token: owner.token, variables: { w: workspaceId, a: cursor } });
    expect(second.tickets.nodes).toHaveLength(1);
    expect(second.tickets.nodes[0]?.id).not.toBe(first.tickets.nodes[0]?.id);

    const decoded = JSON.parse(Buffer.from(payload!, "base64url").toString("utf8")) as unknown[];
    const altered = forge(decoded.map((part) => (part === first.tickets.nodes[0]?.id ? randomUUID() : part)));
    for (const a of [`${altered}.${mac}`, payload, forge(decoded)]) {
      await expectRefused(TICKETS, { w: workspaceId, a }, "after");
    }
  });
});
