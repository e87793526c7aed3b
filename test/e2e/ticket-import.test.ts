import { beforeAll, describe, expect, test } from "@jest/globals";
import { invitePerson, type Person } from "../harness/people.js";
import {
  createWorkspace,
  errorCodes,
  graphql,
  graphqlOk,
  signUp,
  type GraphQLResponse,
  type SignedUpUser,
} from "../harness/stack.js";
import { ticketingEvents, writesOf } from "../harness/ticketing.js";
import { setPlan } from "../harness/workspace.js";

/**
 * Issue 12, import: a CSV whose columns the owner maps onto ticket fields. Every row is checked
 * first; a bad file or a bad row imports nothing and names the rows and columns.
 */

const IMPORT = `mutation($w: ID!, $csv: String!, $m: TicketImportMapping!) {
  importTickets(workspaceId: $w, csv: $csv, mapping: $m) { imported firstNumber lastNumber } }`;

let owner: SignedUpUser;
let agent: Person;
let workspaceId: string;
let orderField: string;
let tierField: string;
let mapping: Record<string, unknown>;

type Problem = { row: number; column: string; message: string };
const problemsOf = (result: GraphQLResponse<unknown>) => (result.errors?.[0]?.extensions?.problems ?? []) as Problem[];

beforeAll(async () => {
  owner = await signUp();
  workspaceId = await createWorkspace(owner.token, `Imports ${Date.now()}`);
  await setPlan(owner, workspaceId, { plan: "PRO", seats: 10 });
  agent = await invitePerson(owner, [{ workspaceId, role: "MEMBER" }]);
  await graphqlOk(`mutation($w: ID!) { createTeam(workspaceId: $w, input: { name: "Billing desk" }) { id } }`, {
    token: owner.token,
    variables: { w: workspaceId },
  });
  const field = async (input: Record<string, unknown>) =>
    (
      await graphqlOk<{ createTicketField: { id: string } }>(
        `mutation($w: ID!, $i: CreateTicketFieldInput!) { createTicketField(workspaceId: $w, input: $i) { id } }`,
        { token: owner.token, variables: { w: workspaceId, i: input } },
      )
    ).createTicketField.id;
  orderField = await field({ name: "Order", type: "NUMBER" });
  tierField = await field({ name: "Tier", type: "SINGLE_SELECT", options: ["Gold", "Silver"] });
  mapping = {
    title: "Subject",
    description: "Body",
    status: "State",
    priority: "Urgency",
    assigneeEmail: "Agent",
    teamName: "Group",
    fields: [
      { fieldId: orderField, column: "Order no" },
      { fieldId: tierField, column: "Tier" },
    ],
  };
}, 120_000);

const csvOf = (rows: string[][]) =>
  rows.map((r) => r.map((c) => `"${c.replaceAll('"', '""')}"`).join(",")).join("\r\n");
const HEADER = ["Subject", "Body", "State", "Urgency", "Agent", "Group", "Order no", "Tier"];

describe("importTickets", () => {
  test("maps columns onto fields; all rows become tickets with their values, numbered in order, each with its event", async () => {
    const csv = csvOf([
      HEADER,
      ["Printer on fire", "Third floor", "open", "urgent", agent.email.toUpperCase(), "Billing desk", "1017", "Gold"],
      ["Refund please", 'She said "twice"', "SOLVED", "low", "", "", "", "Silver"],
      ["=1+1 in the title", "", "", "", "", "", "42", ""],
    ]);
    const result = await graphqlOk<{ importTickets: { imported: number; firstNumber: number; lastNumber: number } }>(
      IMPORT,
      { token: owner.token, variables: { w: workspaceId, csv, m: mapping } },
    );
    expect(result.importTickets).toEqual({ imported: 3, firstNumber: 1, lastNumber: 3 });
    const list = await graphqlOk<{
      tickets: {
        nodes: Array<{
          id: string;
          number: number;
          title: string;
          description: string;
          status: string;
          priority: string;
          assignee: { id: string } | null;
          team: { name: string } | null;
          fieldValues: {
            nodes: Array<{
              field: { name: string };
              text: string | null;
              number: number | null;
              option: string | null;
            }>;
          };
        }>;
      };
    }>(
      `query($w: ID!) { tickets(workspaceId: $w, first: 10, sort: CREATED_AT) { nodes { id number title description status priority
         assignee { id } team { name } fieldValues(first: 10) { nodes { field { name } text number option } } } } }`,
      { token: owner.token, variables: { w: workspaceId } },
    );
    const byNumber = [...list.tickets.nodes].sort((a, b) => a.number - b.number);
    expect(
      byNumber.map((t) => [t.number, t.title, t.status, t.priority, t.assignee?.id ?? null, t.team?.name ?? null]),
    ).toEqual([
      [1, "Printer on fire", "OPEN", "URGENT", agent.userId, "Billing desk"],
      [2, "Refund please", "SOLVED", "LOW", null, null],
      [3, "=1+1 in the title", "OPEN", "NORMAL", null, null],
    ]);
    expect(byNumber[1]!.description).toBe('She said "twice"');
    expect(byNumber[0]!.fieldValues.nodes.map((v) => [v.field.name, v.number ?? v.option])).toEqual([
      ["Order", 1017],
      ["Tier", "Gold"],
    ]);
    for (const ticket of byNumber)
      expect((await ticketingEvents(ticket.id)).map((e) => e.type)).toEqual(["ticket.created"]);
  }, 60_000);

  test.each<[string, () => string, Record<string, unknown> | null, Partial<Problem>[]]>([
    [
      "not UTF-8",
      () => csvOf([HEADER, ["Caf\uFFFD", "", "", "", "", "", "", ""]]),
      null,
      [{ row: 0, message: "not UTF-8" }],
    ],
    [
      "a mapped column missing",
      () => csvOf([HEADER.filter((h) => h !== "Urgency"), ["A", "", "", "", "", "", ""]]),
      null,
      [{ row: 0, column: "Urgency" }],
    ],
    [
      "wrong types, an unknown option, status and team",
      () =>
        csvOf([
          HEADER,
          ["Fine", "", "", "", "", "", "7", "Gold"],
          ["Bad number", "", "", "", "", "", "12abc", ""],
          ["Bad option", "", "", "", "", "", "", "Bronze"],
          ["Bad status", "", "closed-ish", "", "", "Nobody's team", "", ""],
        ]),
      null,
      [
        { row: 2, column: "Order no" },
        { row: 3, column: "Tier" },
        { row: 4, column: "State" },
        { row: 4, column: "Group" },
      ],
    ],
    [
      "an unknown assignee and an empty title",
      () => csvOf([HEADER, ["", "", "", "", "", "", "", ""], ["Who?", "", "", "", "stranger@example.com", "", "", ""]]),
      null,
      [
        { row: 1, column: "Subject" },
        { row: 2, column: "Agent" },
      ],
    ],
    [
      "control and bidi characters in the title",
      () => csvOf([HEADER, ["invoice\u202Egpj.exe", "", "", "", "", "", "", ""]]),
      null,
      [{ row: 1, column: "Subject" }],
    ],
    [
      "too many rows",
      () => csvOf([HEADER, ...Array.from({ length: 5_001 }, (_, i) => [`T${i}`, "", "", "", "", "", "", ""])]),
      null,
      [{ row: 0, message: "too many rows" }],
    ],
    [
      "too large",
      () => csvOf([HEADER, ["x".repeat(2_200_000), "", "", "", "", "", "", ""]]),
      null,
      [{ row: 0, message: "too large" }],
    ],
    ["malformed CSV", () => `Subject,Body\n"unterminated,x\n`, { title: "Subject" }, [{ row: 0 }]],
  ])(
    "%s: BAD_USER_INPUT naming rows and columns, nothing imported",
    async (_label, csv, otherMapping, expected) => {
      const before = await writesOf(workspaceId);
      const result = await graphql(IMPORT, {
        token: owner.token,
        variables: { w: workspaceId, csv: csv(), m: otherMapping ?? mapping },
      });
      expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
      expect(problemsOf(result)).toEqual(expected.map((p) => expect.objectContaining(p)));
      expect(await writesOf(workspaceId)).toEqual(before);
    },
    60_000,
  );

  test("only the owner, on a plan that includes imports", async () => {
    const csv = csvOf([HEADER, ["Nope", "", "", "", "", "", "", ""]]);
    expect(
      errorCodes(await graphql(IMPORT, { token: agent.token, variables: { w: workspaceId, csv, m: mapping } })),
    ).toEqual(["FORBIDDEN"]);
    const basic = await createWorkspace(owner.token, `Basic imports ${Date.now()}`);
    expect(
      errorCodes(await graphql(IMPORT, { token: owner.token, variables: { w: basic, csv, m: { title: "Subject" } } })),
    ).toEqual(["FORBIDDEN"]);
    const stranger = await signUp();
    expect(
      errorCodes(await graphql(IMPORT, { token: stranger.token, variables: { w: workspaceId, csv, m: mapping } })),
    ).toEqual(["NOT_FOUND"]);
  }, 60_000);
});
