import { beforeAll, describe, expect, test } from "@jest/globals";
import { ACTOR_CONTEXT_HEADER } from "@support/actor-context";
import {
  createWorkspace,
  errorCodes,
  graphql,
  graphqlOk,
  signUp,
  signedContext,
  testStack,
  type SignedUpUser,
} from "../harness/stack.js";
import { invitePerson, type Person } from "../harness/people.js";
import { setPlan } from "../harness/workspace.js";
import { createTicket, ticketingEvents, writesOf } from "../harness/ticketing.js";

/** Issue 9: tickets, custom fields, replies and approvals, access scopes, the list, bad input. */

let owner: SignedUpUser;
let workspaceId: string;
let otherWorkspaceId: string;
let agent: Person;
let narrow: Person;
let teamId: string;
let otherTeamId: string;
let apiKey: string;
let apiKeyPrefix: string;

const TICKET = `id number title description status priority assignee { id firstName } team { id name }
  creator { id email } fieldValues { nodes { field { id name } text number boolean date option } }
  replies { nodes { id body internal status author { id } } } slaDueAt createdAt updatedAt`;

beforeAll(async () => {
  owner = await signUp();
  workspaceId = await createWorkspace(owner.token, `Tickets ${Date.now()}`);
  otherWorkspaceId = await createWorkspace(owner.token, `Elsewhere ${Date.now()}`);
  await setPlan(owner, workspaceId, { plan: "UNLIMITED", seats: 50 });
  const role = await graphqlOk<{ createRole: { id: string } }>(
    `mutation($w: ID!) { createRole(workspaceId: $w, input: { name: "Narrow", ticketAccess: ASSIGNED_TO_ME_OR_MY_TEAMS,
       permissions: ["tickets:list", "tickets:view", "tickets:respond"] }) { id } }`,
    { token: owner.token, variables: { w: workspaceId } },
  );
  agent = await invitePerson(owner, [{ workspaceId, role: "MEMBER" }]);
  narrow = await invitePerson(owner, [{ workspaceId, role: "MEMBER", customRoleId: role.createRole.id }]);
  const team = await graphqlOk<{ createTeam: { id: string } }>(
    `mutation($w: ID!, $m: [ID!]) { createTeam(workspaceId: $w, input: { name: "Tier 2", memberIds: $m }) { id } }`,
    { token: owner.token, variables: { w: workspaceId, m: [narrow.userId] } },
  );
  teamId = team.createTeam.id;
  const other = await graphqlOk<{ createTeam: { id: string } }>(
    `mutation($w: ID!) { createTeam(workspaceId: $w, input: { name: "Other" }) { id } }`,
    { token: owner.token, variables: { w: otherWorkspaceId } },
  );
  otherTeamId = other.createTeam.id;
  const key = await graphqlOk<{ createApiKey: { key: string; apiKey: { prefix: string } } }>(
    `mutation($w: ID!) { createApiKey(workspaceId: $w, name: "drafter",
       permissions: ["tickets:list", "tickets:view", "tickets:respond", "tickets:create"]) { key apiKey { prefix } } }`,
    { token: owner.token, variables: { w: workspaceId } },
  );
  apiKey = key.createApiKey.key;
  apiKeyPrefix = key.createApiKey.apiKey.prefix;
}, 120_000);

describe("tickets", () => {
  test("numbers are unique and increasing per workspace under concurrent creation", async () => {
    const w = await createWorkspace(owner.token, `Numbers ${Date.now()}`);
    const created = await Promise.all(Array.from({ length: 20 }, () => createTicket(owner.token, w)));
    expect(created.map((t) => t.number).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect((await createTicket(owner.token, w)).number).toBe(21);
  });

  test("a ticket's life: create, edit, status, priority, assign (names through the graph), delete; each an event with old -> new", async () => {
    const created = await graphqlOk<{ createTicket: { id: string; number: number; creator: { email: string } } }>(
      `mutation($w: ID!) { createTicket(workspaceId: $w, input: { title: "  Cannot log in ", description: "Since Monday" }) { ${TICKET} } }`,
      { token: owner.token, variables: { w: workspaceId } },
    );
    const id = created.createTicket.id;
    expect(created.createTicket).toMatchObject({ title: "Cannot log in", status: "OPEN", priority: "NORMAL" });
    expect(created.createTicket.creator.email).toBe(owner.email);

    await graphqlOk(`mutation($id: ID!) { updateTicket(id: $id, input: { title: "Cannot sign in" }) { id } }`, {
      token: agent.token,
      variables: { id },
    });
    await graphqlOk(`mutation($id: ID!) { changeTicketStatus(id: $id, input: { status: PENDING }) { id } }`, {
      token: agent.token,
      variables: { id },
    });
    await graphqlOk(`mutation($id: ID!) { changeTicketPriority(id: $id, input: { priority: URGENT }) { id } }`, {
      token: owner.token,
      variables: { id },
    });
    const assigned = await graphqlOk<{
      assignTicket: { assignee: { id: string; firstName: string }; team: { id: string; name: string } };
    }>(
      `mutation($id: ID!, $a: ID, $t: ID) { assignTicket(id: $id, input: { assigneeId: $a, teamId: $t }) { ${TICKET} } }`,
      {
        token: owner.token,
        variables: { id, a: agent.userId, t: teamId },
      },
    );
    expect(assigned.assignTicket.assignee).toEqual({ id: agent.userId, firstName: "Ivy" });
    expect(assigned.assignTicket.team).toEqual({ id: teamId, name: "Tier 2" });

    const events = await ticketingEvents(id);
    expect(events.map((e) => e.type)).toEqual([
      "ticket.created",
      "ticket.updated",
      "ticket.status_changed",
      "ticket.priority_changed",
      "ticket.assigned",
      // Assigned by someone else: the agent is told (issue 22).
      "notification.created",
    ]);
    expect(events[1]?.changes).toEqual([{ field: "title", old: "Cannot log in", new: "Cannot sign in" }]);
    expect(events[2]?.changes).toEqual([{ field: "status", old: "OPEN", new: "PENDING" }]);
    expect(events[3]?.changes).toEqual([{ field: "priority", old: "NORMAL", new: "URGENT" }]);
    expect(events[4]?.changes).toEqual([
      { field: "assigneeId", old: null, new: agent.userId },
      { field: "teamId", old: null, new: teamId },
    ]);
    expect(events[5]?.data).toMatchObject({ recipientUserId: agent.userId, kind: "TICKET_ASSIGNED", ticketId: id });

    const deleted = await graphqlOk<{ deleteTicket: string }>(`mutation($id: ID!) { deleteTicket(id: $id) }`, {
      token: agent.token,
      variables: { id },
    });
    expect(deleted.deleteTicket).toBe(id);
    const gone = await graphql(
      `
        query ($id: ID!) {
          ticket(id: $id) {
            id
          }
        }
      `,
      { token: owner.token, variables: { id } },
    );
    expect(errorCodes(gone)).toEqual(["NOT_FOUND"]);
    expect((await ticketingEvents(id)).at(-1)?.type).toBe("ticket.deleted");
  });

  test("closing needs tickets:close, assigning tickets:assign: a MEMBER closes but cannot assign", async () => {
    const { id } = await createTicket(owner.token, workspaceId);
    const closed = await graphql(
      `
        mutation ($id: ID!) {
          changeTicketStatus(id: $id, input: { status: SOLVED }) {
            status
          }
        }
      `,
      {
        token: agent.token,
        variables: { id },
      },
    );
    expect(closed.data).toEqual({ changeTicketStatus: { status: "SOLVED" } });
    const assign = await graphql(
      `
        mutation ($id: ID!, $a: ID) {
          assignTicket(id: $id, input: { assigneeId: $a }) {
            id
          }
        }
      `,
      {
        token: agent.token,
        variables: { id, a: agent.userId },
      },
    );
    expect(errorCodes(assign)).toEqual(["FORBIDDEN"]);
  });
});

describe("bad input is BAD_USER_INPUT naming the field, and writes nothing", () => {
  let selectFieldId: string;
  let numberFieldId: string;

  beforeAll(async () => {
    const select = await graphqlOk<{ createTicketField: { id: string } }>(
      `mutation($w: ID!) { createTicketField(workspaceId: $w, input: { name: "Region", type: SINGLE_SELECT, options: ["EU", "US"] }) { id } }`,
      { token: owner.token, variables: { w: workspaceId } },
    );
    selectFieldId = select.createTicketField.id;
    const number = await graphqlOk<{ createTicketField: { id: string } }>(
      `mutation($w: ID!) { createTicketField(workspaceId: $w, input: { name: "Seats affected", type: NUMBER }) { id } }`,
      { token: owner.token, variables: { w: workspaceId } },
    );
    numberFieldId = number.createTicketField.id;
  });

  const cases: Array<[string, () => Record<string, unknown>, string]> = [
    ["empty title", () => ({ title: "   " }), "title"],
    ["a control character in the title", () => ({ title: "a\u202Eb" }), "title"],
    [
      "an unknown field",
      () => ({ title: "t", fieldValues: [{ fieldId: "00000000-0000-4000-8000-000000000000", text: "x" }] }),
      "fieldValues.0.fieldId",
    ],
    [
      "a wrong value type",
      () => ({ title: "t", fieldValues: [{ fieldId: numberFieldId, text: "12" }] }),
      "fieldValues.0",
    ],
    [
      "an unknown select option",
      () => ({ title: "t", fieldValues: [{ fieldId: selectFieldId, option: "APAC" }] }),
      "fieldValues.0",
    ],
    [
      "an assignee from another workspace",
      () => ({ title: "t", assigneeId: "00000000-0000-4000-8000-0000000000aa" }),
      "assigneeId",
    ],
    ["a team from another workspace", () => ({ title: "t", teamId: otherTeamId }), "teamId"],
  ];

  test.each(cases)("createTicket with %s", async (_name, input, field) => {
    const before = await writesOf(workspaceId);
    const result = await graphql(
      `
        mutation ($w: ID!, $i: CreateTicketInput!) {
          createTicket(workspaceId: $w, input: $i) {
            id
          }
        }
      `,
      { token: owner.token, variables: { w: workspaceId, i: input() } },
    );
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.message).toContain(field);
    expect(await writesOf(workspaceId)).toEqual(before);
  });

  test("an assignee who is a member of another workspace only", async () => {
    const outsider = await invitePerson(owner, [{ workspaceId: otherWorkspaceId, role: "MEMBER" }]);
    const before = await writesOf(workspaceId);
    const result = await graphql(
      `
        mutation ($w: ID!, $a: ID) {
          createTicket(workspaceId: $w, input: { title: "t", assigneeId: $a }) {
            id
          }
        }
      `,
      { token: owner.token, variables: { w: workspaceId, a: outsider.userId } },
    );
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.message).toContain("assigneeId");
    expect(await writesOf(workspaceId)).toEqual(before);
  });

  test("an unknown status, a wrong value type in a variable, a page size above the limit", async () => {
    const { id } = await createTicket(owner.token, workspaceId);
    const before = await writesOf(workspaceId);
    const status = await graphql(
      `
        mutation ($id: ID!, $s: TicketStatus!) {
          changeTicketStatus(id: $id, input: { status: $s }) {
            id
          }
        }
      `,
      {
        token: owner.token,
        variables: { id, s: "DONE" },
      },
    );
    expect(errorCodes(status)).toEqual(["BAD_USER_INPUT"]);
    expect(status.errors?.[0]?.message).toContain("TicketStatus");
    const typed = await graphql(
      `
        mutation ($id: ID!, $i: UpdateTicketInput!) {
          updateTicket(id: $id, input: $i) {
            id
          }
        }
      `,
      { token: owner.token, variables: { id, i: { fieldValues: [{ fieldId: numberFieldId, number: "many" }] } } },
    );
    expect(errorCodes(typed)).toEqual(["BAD_USER_INPUT"]);
    expect(typed.errors?.[0]?.message).toContain("number");
    const page = await graphql(
      `
        query ($w: ID!) {
          tickets(workspaceId: $w, first: 101) {
            nodes {
              id
            }
          }
        }
      `,
      {
        token: owner.token,
        variables: { w: workspaceId },
      },
    );
    expect(errorCodes(page)).toEqual(["BAD_USER_INPUT"]);
    expect(page.errors?.[0]?.message).toContain("first");
    expect(page.errors?.[0]?.extensions).toMatchObject({
      field: "first",
      problems: [{ field: "first", message: "must be at most 100" }],
    });
    expect(await writesOf(workspaceId)).toEqual(before);
  });
});

describe("SLA policy", () => {
  test("offers SPEC's preset hours and keeps a custom value", async () => {
    const w = await createWorkspace(owner.token, `SLA presets ${Date.now()}`);
    const POLICY = `query($w: ID!) { workspace(id: $w) { slaPolicy { hours presetHours } } }`;
    type Policy = { workspace: { slaPolicy: { hours: number | null; presetHours: number[] } } };
    const before = await graphqlOk<Policy>(POLICY, { token: owner.token, variables: { w } });
    expect(before.workspace.slaPolicy).toEqual({ hours: null, presetHours: [1, 2, 4, 8, 12, 24, 48, 72, 168] });
    await graphqlOk(`mutation($w: ID!) { updateSlaPolicy(workspaceId: $w, input: { hours: 5.5 }) { hours } }`, {
      token: owner.token,
      variables: { w },
    });
    const after = await graphqlOk<Policy>(POLICY, { token: owner.token, variables: { w } });
    expect(after.workspace.slaPolicy.hours).toBe(5.5);
  });
});

describe("custom fields", () => {
  test("values typed per field; renaming and reordering; a field that holds values is removed, the tickets stay", async () => {
    const w = await createWorkspace(owner.token, `Fields ${Date.now()}`);
    const field = async (input: string) =>
      (
        await graphqlOk<{ createTicketField: { id: string } }>(
          `mutation($w: ID!) { createTicketField(workspaceId: $w, input: ${input}) { id } }`,
          { token: owner.token, variables: { w } },
        )
      ).createTicketField.id;
    const text = await field(`{ name: "Order", type: TEXT }`);
    const due = await field(`{ name: "Renewal", type: DATE }`);
    const vip = await field(`{ name: "VIP", type: BOOLEAN }`);
    const { id } = await createTicket(owner.token, w, {
      fieldValues: [
        { fieldId: text, text: "A-17" },
        { fieldId: due, date: "2026-12-31" },
        { fieldId: vip, boolean: true },
      ],
    });
    await graphqlOk(
      `mutation($id: ID!) { updateTicketField(id: $id, input: { name: "Order no.", position: 9 }) { id } }`,
      {
        token: owner.token,
        variables: { id: text },
      },
    );
    // The agent is not in this workspace: its fields are NOT_FOUND to them, with no names leaked.
    const outsider = await graphql<{ ticketFields: { nodes: Array<{ name: string }> } | null }>(
      `
        query ($w: ID!) {
          ticketFields(workspaceId: $w) {
            nodes {
              name
            }
          }
        }
      `,
      { token: agent.token, variables: { w } },
    );
    expect(errorCodes(outsider)).toEqual(["NOT_FOUND"]);
    expect(outsider.data?.ticketFields ?? null).toBeNull();
    const ordered = await graphqlOk<{ ticketFields: { nodes: Array<{ name: string }>; totalCount: number } }>(
      `query($w: ID!) { ticketFields(workspaceId: $w) { nodes { name } totalCount } }`,
      { token: owner.token, variables: { w } },
    );
    expect(ordered.ticketFields.nodes.map((f) => f.name)).toEqual(["Renewal", "VIP", "Order no."]);
    expect(ordered.ticketFields.totalCount).toBe(3);
    // Paged both ways, the same fields in the same order.
    type FieldPage = {
      ticketFields: { nodes: Array<{ name: string }>; pageInfo: { startCursor: string; endCursor: string } };
    };
    const FIELD_PAGE = `query($w: ID!, $f: Int, $a: String, $l: Int, $b: String) {
      ticketFields(workspaceId: $w, first: $f, after: $a, last: $l, before: $b) {
        nodes { name } pageInfo { startCursor endCursor } } }`;
    const head = await graphqlOk<FieldPage>(FIELD_PAGE, { token: owner.token, variables: { w, f: 2 } });
    const tail = await graphqlOk<FieldPage>(FIELD_PAGE, {
      token: owner.token,
      variables: { w, f: 2, a: head.ticketFields.pageInfo.endCursor },
    });
    expect([...head.ticketFields.nodes, ...tail.ticketFields.nodes].map((f) => f.name)).toEqual([
      "Renewal",
      "VIP",
      "Order no.",
    ]);
    const back = await graphqlOk<FieldPage>(FIELD_PAGE, {
      token: owner.token,
      variables: { w, l: 2, b: tail.ticketFields.pageInfo.startCursor },
    });
    expect(back.ticketFields.nodes.map((f) => f.name)).toEqual(["Renewal", "VIP"]);
    const { date } = (
      await graphqlOk<{ ticket: { fieldValues: { nodes: Array<{ date: string | null }> } } }>(
        `query($id: ID!) { ticket(id: $id) { fieldValues(first: 1) { nodes { date } } } }`,
        { token: owner.token, variables: { id } },
      )
    ).ticket.fieldValues.nodes[0]!;
    expect(date).toBe("2026-12-31");
    await graphqlOk(`mutation($id: ID!) { deleteTicketField(id: $id) }`, {
      token: owner.token,
      variables: { id: due },
    });
    const after = await graphqlOk<{
      ticket: {
        fieldValues: { nodes: Array<{ field: { name: string }; text: string | null; boolean: boolean | null }> };
      };
    }>(`query($id: ID!) { ticket(id: $id) { fieldValues { nodes { field { name } text boolean } } } }`, {
      token: owner.token,
      variables: { id },
    });
    expect(after.ticket.fieldValues.nodes).toEqual([
      { field: { name: "VIP" }, text: null, boolean: true },
      { field: { name: "Order no." }, text: "A-17", boolean: null },
    ]);
  });
});

describe("replies and approvals", () => {
  test("a person's reply is published; an API key's waits; approve publishes, reject discards with a reason", async () => {
    const { id } = await createTicket(owner.token, workspaceId);
    const add = (token: string, body: string, internal = false) =>
      graphqlOk<{ addTicketReply: { id: string; status: string } }>(
        `mutation($t: ID!, $b: String!, $n: Boolean) { addTicketReply(ticketId: $t, input: { body: $b, internal: $n }) { id status } }`,
        { token, variables: { t: id, b: body, n: internal } },
      );
    const first = await add(agent.token, "Have you tried turning it off and on?");
    const note = await add(agent.token, "Customer is on the old plan", true);
    const draftA = await add(apiKey, "Automated: we are on it");
    const draftB = await add(apiKey, "Automated: spam?");
    expect([first, note, draftA, draftB].map((r) => r.addTicketReply.status)).toEqual([
      "PUBLISHED",
      "PUBLISHED",
      "PENDING_APPROVAL",
      "PENDING_APPROVAL",
    ]);
    const memberApprove = await graphql(
      `
        mutation ($id: ID!) {
          approveReply(id: $id) {
            id
          }
        }
      `,
      {
        token: agent.token,
        variables: { id: draftA.addTicketReply.id },
      },
    );
    expect(errorCodes(memberApprove)).toEqual(["FORBIDDEN"]);
    await graphqlOk(`mutation($id: ID!) { approveReply(id: $id) { status } }`, {
      token: owner.token,
      variables: { id: draftA.addTicketReply.id },
    });
    const noReason = await graphql(
      `
        mutation ($id: ID!) {
          rejectReply(id: $id, input: { reason: " " }) {
            id
          }
        }
      `,
      {
        token: owner.token,
        variables: { id: draftB.addTicketReply.id },
      },
    );
    expect(errorCodes(noReason)).toEqual(["BAD_USER_INPUT"]);
    expect(noReason.errors?.[0]?.message).toContain("reason");
    expect(noReason.errors?.[0]?.extensions?.field).toBe("input.reason");
    await graphqlOk(
      `mutation($id: ID!) { rejectReply(id: $id, input: { reason: "Wrong tone" }) { status rejectionReason } }`,
      {
        token: owner.token,
        variables: { id: draftB.addTicketReply.id },
      },
    );
    const again = await graphql(
      `
        mutation ($id: ID!) {
          approveReply(id: $id) {
            id
          }
        }
      `,
      {
        token: owner.token,
        variables: { id: draftA.addTicketReply.id },
      },
    );
    expect(errorCodes(again)).toEqual(["CONFLICT"]);
    const ticket = await graphqlOk<{
      ticket: {
        replies: {
          nodes: Array<{ body: string; status: string; internal: boolean; authorApiKeyPrefix: string | null }>;
        };
      };
    }>(`query($id: ID!) { ticket(id: $id) { replies { nodes { body status internal authorApiKeyPrefix } } } }`, {
      token: owner.token,
      variables: { id },
    });
    // The key's drafts name it by prefix only: never its secret.
    expect(ticket.ticket.replies.nodes).toEqual([
      { body: "Have you tried turning it off and on?", status: "PUBLISHED", internal: false, authorApiKeyPrefix: null },
      { body: "Customer is on the old plan", status: "PUBLISHED", internal: true, authorApiKeyPrefix: null },
      { body: "Automated: we are on it", status: "PUBLISHED", internal: false, authorApiKeyPrefix: apiKeyPrefix },
    ]);
    expect(apiKey.startsWith(apiKeyPrefix)).toBe(true);
    expect(JSON.stringify(ticket)).not.toContain(apiKey);
    const types = (await ticketingEvents(id)).map((e) => e.type);
    expect(types.filter((t) => t.startsWith("ticket.reply"))).toEqual([
      "ticket.reply_added",
      "ticket.reply_added",
      "ticket.reply_added",
      "ticket.reply_added",
      "ticket.reply_approved",
      "ticket.reply_rejected",
    ]);
  });
});

describe("the list", () => {
  let w: string;
  beforeAll(async () => {
    w = await createWorkspace(owner.token, `List ${Date.now()}`);
    const titles = [
      "Refund for invoice",
      "Password reset loop",
      "Invoice shows wrong VAT",
      "Dark mode request",
      "Refunds are slow",
    ];
    for (const [i, title] of titles.entries()) {
      await createTicket(owner.token, w, {
        title,
        priority: ["LOW", "NORMAL", "HIGH", "URGENT", "NORMAL"][i],
        description: i === 3 ? "Please add a darker theme" : "",
      });
    }
  });

  const list = async (args: string, variables: Record<string, unknown> = {}) =>
    (
      await graphqlOk<{
        tickets: {
          edges: Array<{ cursor: string; node: { number: number } }>;
          nodes: Array<{ number: number; title: string }>;
          pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string; endCursor: string };
        };
      }>(
        `query($w: ID!, $after: String) { tickets(workspaceId: $w, after: $after, ${args}) {
           edges { cursor node { number } } nodes { number title }
           pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`,
        {
          token: owner.token,
          variables: { w, ...variables },
        },
      )
    ).tickets;

  test("newest first by default; keyset pages cover every ticket once", async () => {
    const first = await list("first: 2");
    expect(first.nodes.map((t) => t.number)).toEqual([5, 4]);
    const second = await list("first: 2", { after: first.pageInfo.endCursor });
    const third = await list("first: 2", { after: second.pageInfo.endCursor });
    expect([...second.nodes, ...third.nodes].map((t) => t.number)).toEqual([3, 2, 1]);
    expect(third.pageInfo.hasNextPage).toBe(false);
    // Edges carry the same tickets with their cursors; pageInfo's cursors are the page's ends.
    expect(second.edges.map((e) => e.node.number)).toEqual([3, 2]);
    expect(second.pageInfo).toMatchObject({
      hasPreviousPage: true,
      startCursor: second.edges[0]?.cursor,
      endCursor: second.edges[1]?.cursor,
    });
    expect(first.pageInfo.hasPreviousPage).toBe(false);
  });

  test("by priority, with ties in a stable order, across pages", async () => {
    const a = await list("first: 3, sort: PRIORITY");
    const b = await list("first: 3, sort: PRIORITY", { after: a.pageInfo.endCursor });
    const all = [...a.nodes, ...b.nodes].map((t) => t.title);
    expect(all[0]).toBe("Dark mode request");
    expect(all).toHaveLength(5);
    expect(new Set(all).size).toBe(5);
  });

  test("full-text search in title and description (stemmed), filters by priority", async () => {
    expect((await list(`filter: { text: "refund" }`)).nodes.map((t) => t.number).sort()).toEqual([1, 5]);
    expect((await list(`filter: { text: "invoice" }`)).nodes.map((t) => t.number).sort()).toEqual([1, 3]);
    expect((await list(`filter: { text: "darker" }`)).nodes.map((t) => t.number)).toEqual([4]);
    expect((await list(`filter: { priority: [HIGH, URGENT] }`)).nodes.map((t) => t.number)).toEqual([4, 3]);
    expect((await list(`filter: { unassigned: true, status: [OPEN] }`)).nodes).toHaveLength(5);
  });

  test("a cursor of another sort is refused", async () => {
    const a = await list("first: 1");
    const result = await graphql(
      `
        query ($w: ID!, $c: String) {
          tickets(workspaceId: $w, sort: PRIORITY, after: $c) {
            nodes {
              id
            }
          }
        }
      `,
      {
        token: owner.token,
        variables: { w, c: a.pageInfo.endCursor },
      },
    );
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.extensions?.field).toBe("after");
    const backward = await graphql(
      `
        query ($w: ID!, $c: String) {
          tickets(workspaceId: $w, sort: SLA_DUE_AT, last: 2, before: $c) {
            nodes {
              id
            }
          }
        }
      `,
      { token: owner.token, variables: { w, c: a.pageInfo.endCursor } },
    );
    expect(errorCodes(backward)).toEqual(["BAD_USER_INPUT"]);
    expect(backward.errors?.[0]?.extensions).toMatchObject({
      field: "before",
      problems: [{ field: "before", message: "must be a cursor this list answered" }],
    });
  });

  test("first with last, or after with last, is refused naming the argument", async () => {
    const a = await list("first: 1");
    for (const [args, variables, field] of [
      ["first: 2, last: 2", {}, "last"],
      ["last: 2", { after: a.pageInfo.endCursor }, "after"],
      ["last: 101", {}, "last"],
    ] as const) {
      const result = await graphql(
        `query($w: ID!, $after: String) { tickets(workspaceId: $w, after: $after, ${args}) { nodes { id } } }`,
        { token: owner.token, variables: { w, ...variables } },
      );
      expect({ args, codes: errorCodes(result), field: result.errors?.[0]?.extensions?.field }).toEqual({
        args,
        codes: ["BAD_USER_INPUT"],
        field,
      });
    }
  });

  test("a malformed DateTime in a filter is refused before anything runs", async () => {
    for (const value of ["yesterday", "2026-12-03", "2026-02-30T10:00:00Z", 1_700_000_000]) {
      const result = await graphql(
        `
          query ($w: ID!, $f: TicketFilter) {
            tickets(workspaceId: $w, filter: $f) {
              nodes {
                id
              }
            }
          }
        `,
        { token: owner.token, variables: { w, f: { createdFrom: value } } },
      );
      expect({ value, status: result.status, codes: errorCodes(result) }).toEqual({
        value,
        status: 400,
        codes: ["BAD_USER_INPUT"],
      });
      expect(result.errors?.[0]?.message).toContain("createdFrom");
      expect(result.errors?.[0]?.extensions?.field).toBe("$f.createdFrom");
    }
    // An instant with an offset is fine, and the range still filters.
    const all = await list("first: 100");
    const since = await graphqlOk<{ tickets: { nodes: Array<{ number: number }> } }>(
      `query($w: ID!, $f: TicketFilter) { tickets(workspaceId: $w, first: 100, filter: $f) { nodes { number } } }`,
      {
        token: owner.token,
        variables: { w, f: { createdFrom: "2000-01-01T01:00:00+01:00", createdTo: "2999-01-01T00:00:00Z" } },
      },
    );
    expect(since.tickets.nodes.map((t) => t.number)).toEqual(all.nodes.map((t) => t.number));
  });
});

describe("paging backward (last/before)", () => {
  let w: string;
  type Page = {
    tickets: {
      edges: Array<{ cursor: string; node: { id: string } }>;
      nodes: Array<{ id: string; slaDueAt: string | null }>;
      pageInfo: {
        hasNextPage: boolean;
        hasPreviousPage: boolean;
        startCursor: string | null;
        endCursor: string | null;
      };
    };
  };
  const PAGE = `query($w: ID!, $s: TicketSort, $d: SortDirection, $f: Int, $a: String, $l: Int, $b: String) {
    tickets(workspaceId: $w, sort: $s, direction: $d, first: $f, after: $a, last: $l, before: $b) {
      edges { cursor node { id } } nodes { id slaDueAt }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
  const page = async (variables: Record<string, unknown>) =>
    (await graphqlOk<Page>(PAGE, { token: owner.token, variables: { w, ...variables } })).tickets;

  beforeAll(async () => {
    w = await createWorkspace(owner.token, `Backward ${Date.now()}`);
    // Three without a due time (null SLA_DUE_AT keys), then four with one; priorities tie in pairs.
    const priorities = ["HIGH", "LOW", "HIGH", "LOW", "URGENT", "LOW", "HIGH"];
    for (const [i, priority] of priorities.entries()) {
      if (i === 3)
        await graphqlOk(`mutation($w: ID!) { updateSlaPolicy(workspaceId: $w, input: { hours: 4 }) { hours } }`, {
          token: owner.token,
          variables: { w },
        });
      await createTicket(owner.token, w, { title: `Backward ${i}`, priority });
    }
  }, 60_000);

  test.each([
    ["CREATED_AT", null],
    ["PRIORITY", null],
    ["PRIORITY", "ASC"],
    ["SLA_DUE_AT", null],
    ["SLA_DUE_AT", "DESC"],
  ])("sorted by %s %s: last/before pages cover the same tickets as first/after, in the same order", async (s, d) => {
    const whole = await page({ s, d, f: 100 });
    expect(whole.nodes).toHaveLength(7);
    if (s === "SLA_DUE_AT") {
      // The tickets without a due time come last ascending, first descending.
      const nulls = whole.nodes.map((t) => t.slaDueAt === null);
      expect(nulls).toEqual(
        d === "DESC" ? [true, true, true, false, false, false, false] : [false, false, false, false, true, true, true],
      );
    }

    const forward: string[] = [];
    let after: string | null = null;
    for (;;) {
      const p: Page["tickets"] = await page({ s, d, f: 2, a: after });
      forward.push(...p.nodes.map((t) => t.id));
      expect(p.edges.map((e) => e.node.id)).toEqual(p.nodes.map((t) => t.id));
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }

    const backward: string[] = [];
    let before: string | null = null;
    let pages = 0;
    for (;;) {
      const p: Page["tickets"] = await page({ s, d, l: 2, b: before });
      pages += 1;
      // Each backward page is in list order; its cursors are its ends.
      expect(p.edges.map((e) => e.node.id)).toEqual(p.nodes.map((t) => t.id));
      expect(p.pageInfo.startCursor).toBe(p.edges[0]?.cursor);
      expect(p.pageInfo.endCursor).toBe(p.edges.at(-1)?.cursor);
      expect(p.pageInfo.hasNextPage).toBe(before !== null);
      backward.unshift(...p.nodes.map((t) => t.id));
      if (!p.pageInfo.hasPreviousPage) break;
      before = p.pageInfo.startCursor;
    }
    expect(pages).toBe(4);
    expect(forward).toEqual(whole.nodes.map((t) => t.id));
    expect(backward).toEqual(forward);

    // From the middle: the two just before a ticket, and on forward from there, meet again.
    const middle = whole.edges[4]!;
    const two = await page({ s, d, l: 2, b: middle.cursor });
    expect(two.nodes.map((t) => t.id)).toEqual(forward.slice(2, 4));
    expect(two.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const on = await page({ s, d, f: 10, a: two.pageInfo.endCursor });
    expect(on.nodes.map((t) => t.id)).toEqual(forward.slice(4));
  });

  test("last alone reads the end of the list; an empty page has null cursors", async () => {
    const end = await page({ l: 3 });
    const whole = await page({ f: 100 });
    expect(end.nodes.map((t) => t.id)).toEqual(whole.nodes.slice(-3).map((t) => t.id));
    expect(end.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const none = await page({ l: 2, b: whole.pageInfo.startCursor });
    expect(none.nodes).toEqual([]);
    expect(none.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false, startCursor: null, endCursor: null });
  });
});

describe("a ticket's replies are a connection", () => {
  test("paged forward and backward over the same replies, oldest first, with totalCount", async () => {
    const { id } = await createTicket(owner.token, workspaceId);
    const bodies = ["one", "two", "three", "four", "five"];
    for (const body of bodies)
      await graphqlOk(`mutation($t: ID!, $b: String!) { addTicketReply(ticketId: $t, input: { body: $b }) { id } }`, {
        token: owner.token,
        variables: { t: id, b: body },
      });
    type Replies = {
      ticket: {
        replies: {
          edges: Array<{ cursor: string; node: { body: string } }>;
          nodes: Array<{ body: string; createdAt: string }>;
          pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string; endCursor: string };
          totalCount: number;
        };
      };
    };
    const replies = async (variables: Record<string, unknown>) =>
      (
        await graphqlOk<Replies>(
          `query($id: ID!, $f: Int, $a: String, $l: Int, $b: String) { ticket(id: $id) {
             replies(first: $f, after: $a, last: $l, before: $b) { edges { cursor node { body } } nodes { body createdAt }
               pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount } } }`,
          { token: owner.token, variables: { id, ...variables } },
        )
      ).ticket.replies;
    const all = await replies({});
    expect(all.nodes.map((r) => r.body)).toEqual(bodies);
    expect(all.totalCount).toBe(5);
    expect(all.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
    expect(all.nodes[0]?.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

    const first = await replies({ f: 2 });
    const second = await replies({ f: 2, a: first.pageInfo.endCursor });
    const third = await replies({ f: 2, a: second.pageInfo.endCursor });
    expect([first, second, third].flatMap((p) => p.nodes.map((r) => r.body))).toEqual(bodies);
    expect([first, second, third].map((p) => p.pageInfo.hasNextPage)).toEqual([true, true, false]);

    const last = await replies({ l: 2 });
    const before = await replies({ l: 2, b: last.pageInfo.startCursor });
    const start = await replies({ l: 2, b: before.pageInfo.startCursor });
    expect([start, before, last].flatMap((p) => p.nodes.map((r) => r.body))).toEqual(bodies);
    expect([last, before, start].map((p) => p.pageInfo.hasPreviousPage)).toEqual([true, true, false]);

    const refused = await graphql(
      `
        query ($id: ID!, $b: String) {
          ticket(id: $id) {
            replies(first: 2, before: $b) {
              nodes {
                body
              }
            }
          }
        }
      `,
      { token: owner.token, variables: { id, b: last.pageInfo.startCursor } },
    );
    expect(errorCodes(refused)).toEqual(["BAD_USER_INPUT"]);
    expect(refused.errors?.[0]?.extensions?.field).toBe("before");
  });
});

describe("ticket access scopes", () => {
  test("ASSIGNED_TO_ME_OR_MY_TEAMS sees its own and its teams' tickets; the rest is NOT_FOUND, also through _entities", async () => {
    const mine = await createTicket(owner.token, workspaceId, { title: "Scoped: mine", assigneeId: narrow.userId });
    const team = await createTicket(owner.token, workspaceId, { title: "Scoped: team", teamId });
    const hidden = await createTicket(owner.token, workspaceId, { title: "Scoped: hidden" });
    const listed = await graphqlOk<{ tickets: { nodes: Array<{ id: string }> } }>(
      `query($w: ID!) { tickets(workspaceId: $w, first: 100) { nodes { id } } }`,
      { token: narrow.token, variables: { w: workspaceId } },
    );
    expect(listed.tickets.nodes.map((t) => t.id).sort()).toEqual([mine.id, team.id].sort());

    const byId = (id: string) =>
      graphql(
        `
          query ($id: ID!) {
            ticket(id: $id) {
              id
              title
            }
          }
        `,
        { token: narrow.token, variables: { id } },
      );
    const hiddenAnswer = await byId(hidden.id);
    const missingAnswer = await byId("00000000-0000-4000-8000-000000000000");
    expect(errorCodes(hiddenAnswer)).toEqual(["NOT_FOUND"]);
    expect(hiddenAnswer.errors?.[0]?.message).toBe(missingAnswer.errors?.[0]?.message);
    const reply = await graphql(
      `
        mutation ($t: ID!) {
          addTicketReply(ticketId: $t, input: { body: "hi" }) {
            id
          }
        }
      `,
      {
        token: narrow.token,
        variables: { t: hidden.id },
      },
    );
    expect(errorCodes(reply)).toEqual(["NOT_FOUND"]);

    const context = await signedContext({
      kind: "user",
      userId: narrow.userId,
      organisationId: owner.organisationId,
      orgRole: "MEMBER",
      sessionId: "00000000-0000-4000-8000-000000000009",
    });
    const entities = async (id: string) => {
      const response = await fetch(`${testStack().serviceUrls.ticketing}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", [ACTOR_CONTEXT_HEADER]: context },
        body: JSON.stringify({
          query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Ticket { id title } } }`,
          variables: { r: [{ __typename: "Ticket", id }] },
        }),
      });
      return (await response.json()) as { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> };
    };
    const visible = await entities(mine.id);
    expect(visible.data).toEqual({ _entities: [{ id: mine.id, title: "Scoped: mine" }] });
    const foreign = await entities(hidden.id);
    expect(foreign.errors?.map((e) => e.extensions?.code)).toEqual(["NOT_FOUND"]);
    expect(JSON.stringify(foreign)).not.toContain("Scoped: hidden");
  });

  test("another workspace's ticket is NOT_FOUND to a caller outside it", async () => {
    const stranger = await signUp({ organisationName: "Strangers" });
    const { id } = await createTicket(owner.token, workspaceId);
    const result = await graphql(
      `
        query ($id: ID!) {
          ticket(id: $id) {
            id
          }
        }
      `,
      { token: stranger.token, variables: { id } },
    );
    expect(errorCodes(result)).toEqual(["NOT_FOUND"]);
  });
});
