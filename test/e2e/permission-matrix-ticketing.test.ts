import { beforeAll, describe, expect, test } from "@jest/globals";
import { ACTOR_CONTEXT_HEADER } from "@support/actor-context";
import {
  type Call,
  type Caller,
  type MatrixFixture,
  matrixFixture,
  outcomeOf,
  parseTable,
  rootFieldsOf,
} from "../harness/matrix.js";
import { invitePerson } from "../harness/people.js";
import { createWorkspace, graphql, graphqlOk, signedContext, testStack, uniqueEmail } from "../harness/stack.js";
import { ticketingQuery } from "../harness/ticketing.js";

// ---------------------------------------------------------------------------------------------
// Ticketing rows (issue 9). A table of its own, so that its extra callers (the master switch,
// the access scopes, an API key with ticket permissions) need no column in the table above.
//
// owner .. anonymous  as above (memberOff acts in the workspace whose create/delete toggles are off)
// ticketKey   an API key of the workspace with tickets:list, view, create, respond, approve
// ticketsOff  the owner, in a workspace whose ticketsEnabled master switch is off
// scopeMe     a custom role with every ticket permission but ticket access ASSIGNED_TO_ME,
//             acting on a ticket assigned to nobody
// scopeMeOwn  the same person, on a ticket assigned to them
// scopeTeams  a custom role ASSIGNED_TO_ME_OR_MY_TEAMS, on a ticket assigned to their team
// supervisor, agent  the preset roles (ticket access ALL), on a ticket assigned to nobody
// support     a SUPPORT (ASSIGNED_TO_ME_OR_MY_TEAMS), on a ticket assigned to nobody: not found
// supportTeam the same person, on a ticket assigned to their team: seen, but no priority,
//             assignment, deletion or approval
// Every call acts on a fresh ticket (and field, and pending reply) of the caller's workspace.
// ---------------------------------------------------------------------------------------------

const TICKET_EXPECTED = `
operation             owner admin member memberOff custom apiKey ticketKey orgAdmin otherOrg anonymous ticketsOff scopeMe scopeMeOwn scopeTeams supervisor agent support supportTeam
ticket                ok    ok    ok     ok        F      F      ok        ok       NF       UA        F          NF      ok         ok         ok         ok    NF      ok
tickets               ok    ok    ok     ok        ok     F      ok        ok       NF       UA        F          ok      ok         ok         ok         ok    ok      ok
ticketFields          ok    ok    ok     ok        F      F      F         ok       NF       UA        F          ok      ok         ok         ok         ok    ok      ok
createTicket          ok    ok    ok     F         F      F      ok        ok       NF       UA        F          ok      ok         ok         ok         ok    ok      ok
updateTicket          ok    ok    ok     ok        F      F      F         ok       NF       UA        F          NF      ok         ok         ok         ok    NF      ok
changeTicketStatus    ok    ok    ok     ok        F      F      F         ok       NF       UA        F          NF      ok         ok         ok         ok    NF      ok
changeTicketPriority  ok    ok    F      F         F      F      F         ok       NF       UA        F          NF      ok         ok         ok         ok    NF      F
assignTicket          ok    ok    F      F         F      F      F         ok       NF       UA        F          NF      ok         ok         ok         ok    NF      F
deleteTicket          ok    ok    ok     F         F      F      F         ok       NF       UA        F          NF      ok         ok         ok         ok    NF      F
addTicketReply        ok    ok    ok     ok        F      F      ok        ok       NF       UA        F          NF      ok         ok         ok         ok    NF      ok
approveReply          ok    ok    F      F         F      F      ok        ok       NF       UA        F          NF      ok         ok         ok         ok    NF      F
rejectReply           ok    ok    F      F         F      F      F         ok       NF       UA        F          NF      ok         ok         ok         ok    NF      F
createTicketField     ok    ok    F      F         F      F      F         ok       NF       UA        F          F       F          F          ok         F     F       F
updateTicketField     ok    ok    F      F         F      F      F         ok       NF       UA        F          F       F          F          ok         F     F       F
deleteTicketField     ok    ok    F      F         F      F      F         ok       NF       UA        F          F       F          F          ok         F     F       F
updateSlaPolicy       ok    ok    F      F         F      F      F         ok       NF       UA        ok         F       F          F          ok         F     F       F
importTickets         ok    F     F      F         F      F      F         F        NF       UA        F          F       F          F          F          F     F       F
notifications         ok    ok    ok     ok        ok     F      F         ok       ok       UA        ok         ok      ok         ok         ok         ok    ok      ok
markNotificationsRead ok    ok    ok     ok        ok     F      F         ok       ok       UA        ok         ok      ok         ok         ok         ok    ok      ok
`;

type TicketCaller = Caller | "ticketKey" | "ticketsOff" | "scopeMe" | "scopeMeOwn" | "scopeTeams" | "supportTeam";

interface TicketMatrixFixture {
  tokenFor(caller: TicketCaller): string | undefined;
  workspaceFor(caller: TicketCaller): string;
  /** A fresh ticket the caller acts on: unassigned, or assigned as the caller's column says. */
  ticketFor(caller: TicketCaller): Promise<string>;
  fieldFor(caller: TicketCaller): Promise<string>;
  pendingReplyFor(caller: TicketCaller): Promise<string>;
}

const ALL_TICKET_PERMISSIONS = [
  "tickets:list",
  "tickets:view",
  "tickets:create",
  "tickets:edit",
  "tickets:respond",
  "tickets:approve",
  "tickets:reject",
  "tickets:close",
  "tickets:assign",
  "tickets:change_priority",
  "tickets:delete",
  "ticket_fields:list",
  "ticket_fields:edit_values",
];

async function ticketMatrixFixture(fx: MatrixFixture): Promise<TicketMatrixFixture> {
  const owner = fx.owner;
  const role = async (name: string, ticketAccess: string) =>
    (
      await graphqlOk<{ createRole: { id: string } }>(
        `mutation($w: ID!, $n: String!, $p: [String!]!, $a: TicketAccess) {
           createRole(workspaceId: $w, input: { name: $n, permissions: $p, ticketAccess: $a }) { id } }`,
        { token: owner.token, variables: { w: fx.workspaceId, n: name, p: ALL_TICKET_PERMISSIONS, a: ticketAccess } },
      )
    ).createRole.id;
  const scopeMe = await invitePerson(owner, [
    { workspaceId: fx.workspaceId, role: "MEMBER", customRoleId: await role("Mine only", "ASSIGNED_TO_ME") },
  ]);
  const scopeTeams = await invitePerson(owner, [
    { workspaceId: fx.workspaceId, role: "MEMBER", customRoleId: await role("My teams", "ASSIGNED_TO_ME_OR_MY_TEAMS") },
  ]);
  const team = await graphqlOk<{ createTeam: { id: string } }>(
    `mutation($w: ID!, $m: [ID!]) { createTeam(workspaceId: $w, input: { name: "Scoped team", memberIds: $m }) { id } }`,
    { token: owner.token, variables: { w: fx.workspaceId, m: [scopeTeams.userId] } },
  );
  const supportTeam = await graphqlOk<{ createTeam: { id: string } }>(
    `mutation($w: ID!, $m: [ID!]) { createTeam(workspaceId: $w, input: { name: "Support team", memberIds: $m }) { id } }`,
    { token: owner.token, variables: { w: fx.workspaceId, m: [fx.people.support!.userId] } },
  );
  const key = await graphqlOk<{ createApiKey: { key: string } }>(
    `mutation($w: ID!) { createApiKey(workspaceId: $w, name: "tickets", permissions:
       ["tickets:list", "tickets:view", "tickets:create", "tickets:respond", "tickets:approve"]) { key } }`,
    { token: owner.token, variables: { w: fx.workspaceId } },
  );
  const offWorkspaceId = await createWorkspace(owner.token, `Tickets off ${Date.now()}`);
  await graphqlOk(
    `mutation($w: ID!) { updateWorkspaceSettings(id: $w, input: { ticketsEnabled: false }) { ticketsEnabled } }`,
    { token: owner.token, variables: { w: offWorkspaceId } },
  );

  const workspaceFor = (caller: TicketCaller) =>
    caller === "ticketsOff" ? offWorkspaceId : fx.workspaceFor(caller as Caller);
  let number = 100_000;
  // Seeded straight into ticketing's database: fixtures for the callers, not the operations under test.
  const ticketFor = async (caller: TicketCaller) => {
    number += 1;
    const [row] = await ticketingQuery<{ id: string }>(
      `INSERT INTO ticket (id, workspace_id, organisation_id, number, title, assignee_id, team_id, updated_at)
       VALUES (gen_random_uuid(), $1, $2, $3, 'Matrix ticket', $4, $5, now()) RETURNING id`,
      [
        workspaceFor(caller),
        owner.organisationId,
        number,
        caller === "scopeMeOwn" ? scopeMe.userId : null,
        caller === "scopeTeams" ? team.createTeam.id : caller === "supportTeam" ? supportTeam.createTeam.id : null,
      ],
    );
    if (!row) throw new Error("no ticket seeded");
    return row.id;
  };
  return {
    tokenFor: (caller) => {
      if (caller === "ticketKey") return key.createApiKey.key;
      if (caller === "ticketsOff") return owner.token;
      if (caller === "scopeMe" || caller === "scopeMeOwn") return scopeMe.token;
      if (caller === "scopeTeams") return scopeTeams.token;
      if (caller === "supportTeam") return fx.tokenFor("support");
      return fx.tokenFor(caller);
    },
    workspaceFor,
    ticketFor,
    fieldFor: async (caller) => {
      const [row] = await ticketingQuery<{ id: string }>(
        `INSERT INTO ticket_field (id, workspace_id, name, type, updated_at)
         VALUES (gen_random_uuid(), $1, $2, 'TEXT', now()) RETURNING id`,
        [workspaceFor(caller), `Field ${uniqueEmail("f")}`],
      );
      if (!row) throw new Error("no field seeded");
      return row.id;
    },
    pendingReplyFor: async (caller) => {
      const ticketId = await ticketFor(caller);
      const [row] = await ticketingQuery<{ id: string }>(
        `INSERT INTO ticket_reply (id, ticket_id, workspace_id, body, status)
         VALUES (gen_random_uuid(), $1, $2, 'Drafted by a key', 'PENDING_APPROVAL') RETURNING id`,
        [ticketId, workspaceFor(caller)],
      );
      if (!row) throw new Error("no reply seeded");
      return row.id;
    },
  };
}

type TicketOperation = (t: TicketMatrixFixture, caller: TicketCaller, fx: MatrixFixture) => Promise<Call>;

const TICKET_OPERATIONS: Record<string, TicketOperation> = {
  ticket: async (t, c) => ({
    query: "query($id: ID!) { ticket(id: $id) { id } }",
    variables: { id: await t.ticketFor(c) },
  }),
  tickets: async (t, c) => ({
    query: "query($w: ID!) { tickets(workspaceId: $w) { nodes { id } } }",
    variables: { w: t.workspaceFor(c) },
  }),
  ticketFields: async (t, c) => ({
    query: "query($w: ID!) { ticketFields(workspaceId: $w) { nodes { id } } }",
    variables: { w: t.workspaceFor(c) },
  }),
  importTickets: async (t, c) => ({
    query: `mutation($w: ID!) { importTickets(workspaceId: $w, csv: "Subject\\nImported", mapping: { title: "Subject" }) { imported } }`,
    variables: { w: t.workspaceFor(c) },
  }),
  createTicket: async (t, c) => ({
    query: 'mutation($w: ID!) { createTicket(workspaceId: $w, input: { title: "Matrix" }) { id } }',
    variables: { w: t.workspaceFor(c) },
  }),
  updateTicket: async (t, c) => ({
    query: 'mutation($id: ID!) { updateTicket(id: $id, input: { title: "Renamed" }) { id } }',
    variables: { id: await t.ticketFor(c) },
  }),
  changeTicketStatus: async (t, c) => ({
    query: "mutation($id: ID!) { changeTicketStatus(id: $id, input: { status: SOLVED }) { id } }",
    variables: { id: await t.ticketFor(c) },
  }),
  changeTicketPriority: async (t, c) => ({
    query: "mutation($id: ID!) { changeTicketPriority(id: $id, input: { priority: HIGH }) { id } }",
    variables: { id: await t.ticketFor(c) },
  }),
  assignTicket: async (t, c, fx) => ({
    query: "mutation($id: ID!, $a: ID) { assignTicket(id: $id, input: { assigneeId: $a }) { id } }",
    variables: { id: await t.ticketFor(c), a: fx.owner.userId },
  }),
  deleteTicket: async (t, c) => ({
    query: "mutation($id: ID!) { deleteTicket(id: $id) }",
    variables: { id: await t.ticketFor(c) },
  }),
  addTicketReply: async (t, c) => ({
    query: 'mutation($id: ID!) { addTicketReply(ticketId: $id, input: { body: "Hello" }) { id } }',
    variables: { id: await t.ticketFor(c) },
  }),
  approveReply: async (t, c) => ({
    query: "mutation($id: ID!) { approveReply(id: $id) { id } }",
    variables: { id: await t.pendingReplyFor(c) },
  }),
  rejectReply: async (t, c) => ({
    query: 'mutation($id: ID!) { rejectReply(id: $id, input: { reason: "Off topic" }) { id } }',
    variables: { id: await t.pendingReplyFor(c) },
  }),
  createTicketField: async (t, c) => ({
    query:
      "mutation($w: ID!, $n: String!) { createTicketField(workspaceId: $w, input: { name: $n, type: TEXT }) { id } }",
    variables: { w: t.workspaceFor(c), n: `Field ${uniqueEmail("f")}` },
  }),
  updateTicketField: async (t, c) => ({
    query: "mutation($id: ID!) { updateTicketField(id: $id, input: { position: 3 }) { id } }",
    variables: { id: await t.fieldFor(c) },
  }),
  deleteTicketField: async (t, c) => ({
    query: "mutation($id: ID!) { deleteTicketField(id: $id) }",
    variables: { id: await t.fieldFor(c) },
  }),
  // People's own (issue 22): everyone signed in has a list, maybe empty; an API key has none.
  notifications: async () => ({ query: "{ notifications(first: 5) { nodes { id } totalCount } }" }),
  markNotificationsRead: async () => ({ query: "mutation { markNotificationsRead(input: { all: true }) { marked } }" }),
  updateSlaPolicy: async (t, c) => ({
    query: "mutation($w: ID!) { updateSlaPolicy(workspaceId: $w, input: { hours: 24 }) { hours } }",
    variables: { w: t.workspaceFor(c) },
  }),
};

describe("permission matrix (ticketing, through the gateway)", () => {
  const { callers: ticketCallers, rows: ticketRows } = parseTable<TicketCaller>(TICKET_EXPECTED);
  let fx: MatrixFixture;
  let t: TicketMatrixFixture;

  beforeAll(async () => {
    fx = await matrixFixture();
    t = await ticketMatrixFixture(fx);
  }, 240_000);

  test("every root field of the ticketing subgraph has a row, and every row an operation", () => {
    const fields = rootFieldsOf(["TICKETING"]);
    expect(fields).toEqual([...ticketRows.keys()].sort());
    expect(fields.filter((f) => !TICKET_OPERATIONS[f])).toEqual([]);
  });

  test("every caller gets exactly the expected outcome for every ticketing operation", async () => {
    const actual: string[] = [];
    const expected: string[] = [];
    for (const [name, row] of ticketRows) {
      const operation = TICKET_OPERATIONS[name];
      if (!operation) continue; // reported by the coverage test
      for (const caller of ticketCallers) {
        const call = await operation(t, caller, fx);
        const result = await graphql(call.query, { token: t.tokenFor(caller), variables: call.variables });
        actual.push(`${name} as ${caller}: ${outcomeOf(result)}`);
        expected.push(`${name} as ${caller}: ${row[caller]}`);
      }
    }
    expect(actual).toEqual(expected);
  }, 600_000);

  test("another workspace's ticket answers like a nonexistent one, also through _entities straight to the subgraph", async () => {
    const ticketId = await t.ticketFor("owner");
    const nobody = "00000000-0000-4000-8000-00000000beef";
    const byId = (id: string) =>
      graphql("query($id: ID!) { ticket(id: $id) { id title } }", {
        token: fx.tokenFor("otherOrg"),
        variables: { id },
      });
    const [foreign, missing] = [await byId(ticketId), await byId(nobody)];
    expect(JSON.stringify(foreign).replaceAll(ticketId, nobody)).toBe(JSON.stringify(missing));

    const stranger = await signedContext({
      kind: "user",
      userId: fx.otherOrg.userId,
      organisationId: fx.otherOrg.organisationId,
      orgRole: "ORG_ADMIN",
      sessionId: "00000000-0000-4000-8000-000000000004",
    });
    const entities = async (id: string) => {
      const response = await fetch(`${testStack().serviceUrls.ticketing}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", [ACTOR_CONTEXT_HEADER]: stranger },
        body: JSON.stringify({
          query: "query($r: [_Any!]!) { _entities(representations: $r) { ... on Ticket { id title } } }",
          variables: { r: [{ __typename: "Ticket", id }] },
        }),
      });
      return (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
    };
    const viaEntities = await entities(ticketId);
    expect(JSON.stringify(viaEntities).replaceAll(ticketId, nobody)).toBe(JSON.stringify(await entities(nobody)));
    expect(viaEntities.errors?.map((e) => e.extensions?.code)).toEqual(["NOT_FOUND"]);
    expect(JSON.stringify(viaEntities)).not.toContain("Matrix ticket");
  });
});
