import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, test } from "@jest/globals";
import {
  createWorkspace,
  errorCodes,
  graphql,
  signUp,
  uniqueEmail,
  type GraphQLResponse,
  type SignedUpUser,
} from "../harness/stack.js";
import { invitePerson, type Person } from "../harness/people.js";
import { createTicket } from "../harness/ticketing.js";
import { setPlan, workspaceWithMembers } from "../harness/workspace.js";

/**
 * Issue 20: the graph's conventions as a client meets them. A missing object is null with an
 * error beside the rest of the answer; errors from a field another service resolves carry the
 * client's path; every refusal has one shape (`extensions.code`, `extensions.field` the argument's
 * path, `extensions.problems: [{ field, message, row?, column? }]`) and the same code and words
 * for the same situation in every service.
 */

/** The codes a client may meet (SPEC), and GraphQL's own for a malformed operation. */
const CODES = [
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "BAD_USER_INPUT",
  "CONFLICT",
  "RATE_LIMITED",
  "PLAN_LIMIT",
  "SERVICE_UNAVAILABLE",
  "GRAPHQL_VALIDATION_FAILED",
  "GRAPHQL_PARSE_FAILED",
];

interface Problem {
  field: string;
  message: string;
  row?: number;
  column?: string;
}

/** Every error has a known code; every BAD_USER_INPUT names the argument and lists its problems. */
function expectContract(answer: GraphQLResponse<unknown>): void {
  expect(answer.errors?.length ?? 0).toBeGreaterThan(0);
  for (const error of answer.errors ?? []) {
    expect(CODES).toContain(error.extensions?.code);
    if (error.extensions?.code !== "BAD_USER_INPUT") continue;
    const { field, problems } = error.extensions as { field?: unknown; problems?: unknown };
    expect(typeof field).toBe("string");
    expect(Array.isArray(problems) && problems.length > 0).toBe(true);
    for (const problem of problems as Problem[]) {
      expect(typeof problem.field).toBe("string");
      expect(typeof problem.message).toBe("string");
      expect(Object.keys(problem).every((key) => ["field", "message", "row", "column"].includes(key))).toBe(true);
    }
    expect((problems as Problem[])[0]?.field).toBe(field);
  }
}

let owner: SignedUpUser;
let workspaceId: string;
let member: Person;

beforeAll(async () => {
  owner = await signUp();
  workspaceId = await createWorkspace(owner.token, `Conventions ${Date.now()}`);
  // Imports are a PRO feature.
  await setPlan(owner, workspaceId, { plan: "PRO", seats: 10 });
  member = await invitePerson(owner, [{ workspaceId, role: "MEMBER" }]);
});

describe("nullable roots keep the rest of the answer", () => {
  test("an unknown ticket is null with NOT_FOUND on its path; `me` is still answered", async () => {
    const answer = await graphql<{ ticket: { id: string } | null; me: { id: string } | null }>(
      `
        query ($id: ID!) {
          ticket(id: $id) {
            id
          }
          me {
            id
          }
        }
      `,
      { token: owner.token, variables: { id: randomUUID() } },
    );
    expect(answer.status).toBe(200);
    expect(answer.data).toEqual({ ticket: null, me: { id: owner.userId } });
    expect(answer.errors).toHaveLength(1);
    expect(answer.errors?.[0]).toMatchObject({ path: ["ticket"], extensions: { code: "NOT_FOUND" } });
  });

  test("a workspace of another organisation is null with NOT_FOUND; `me` is still answered", async () => {
    const stranger = await signUp();
    const answer = await graphql<{ workspace: { id: string } | null; me: { id: string } | null }>(
      `
        query ($id: ID!) {
          workspace(id: $id) {
            id
            name
          }
          me {
            id
          }
        }
      `,
      { token: stranger.token, variables: { id: workspaceId } },
    );
    expect(answer.data).toEqual({ workspace: null, me: { id: stranger.userId } });
    expect(answer.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([[["workspace"], "NOT_FOUND"]]);
  });

  test("a lookup the caller may not make is null with its error; the other lookups stay", async () => {
    const answer = await graphql<Record<string, unknown>>(
      `
        query ($w: ID!) {
          apiKeys(workspaceId: $w) {
            nodes {
              id
            }
          }
          myPermissions(workspaceId: $w)
          me {
            id
          }
        }
      `,
      { token: member.token, variables: { w: workspaceId } },
    );
    expect(answer.data?.apiKeys).toBeNull();
    expect(answer.data?.myPermissions).toEqual(expect.arrayContaining(["tickets:list"]));
    expect(answer.data?.me).toEqual({ id: member.userId });
    expect(answer.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([[["apiKeys"], "FORBIDDEN"]]);
  });
});

describe("errors from a field another service resolves carry the client's path", () => {
  test("billing refused on a workspace: path [workspace, billing], never _entities", async () => {
    const answer = await graphql<{ workspace: { name: string; billing: unknown } | null }>(
      `
        query ($w: ID!) {
          workspace(id: $w) {
            name
            billing {
              plan
            }
          }
        }
      `,
      { token: member.token, variables: { w: workspaceId } },
    );
    expect(answer.data?.workspace).toEqual({ name: expect.any(String), billing: null });
    expect(answer.errors).toHaveLength(1);
    expect(answer.errors?.[0]?.path).toEqual(["workspace", "billing"]);
    expect(answer.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  test("inside a list: each failing entity's own index in the client's list", async () => {
    const answer = await graphql<{ workspaces: { nodes: Array<{ id: string; billing: unknown }> } }>(
      `
        {
          workspaces(first: 100) {
            nodes {
              id
              billing {
                plan
              }
            }
          }
        }
      `,
      { token: member.token },
    );
    const index = answer.data?.workspaces.nodes.findIndex((workspace) => workspace.id === workspaceId) ?? -1;
    expect(index).toBeGreaterThanOrEqual(0);
    expect(answer.errors?.map((error) => error.path)).toContainEqual(["workspaces", "nodes", index, "billing"]);
    for (const error of answer.errors ?? []) {
      expect(error.path).not.toContain("_entities");
      expect(error.path?.every((part) => typeof part === "number" || !/^\d+$/.test(part))).toBe(true);
    }
  });
});

describe("one error contract", () => {
  test("a bad argument of any service: BAD_USER_INPUT, extensions.field its path, problems [{ field, message }]", async () => {
    const signUpRefused = await graphql(
      `
        mutation ($input: SignUpInput!) {
          signUp(input: $input) {
            token
          }
        }
      `,
      {
        variables: {
          input: { organisationName: "Acme", firstName: "A", lastName: "B", email: "not an email", password: "x" },
        },
      },
    );
    expectContract(signUpRefused);
    const problems = signUpRefused.errors?.[0]?.extensions?.problems as Problem[];
    expect(problems.map((problem) => problem.field)).toEqual(expect.arrayContaining(["input.email", "input.password"]));
    expect(signUpRefused.errors?.[0]?.extensions?.field).toBe(problems[0]?.field);

    const csv = "Subject,Urgency\nPrinter,someday\n";
    const imported = await graphql(
      `
        mutation ($w: ID!, $csv: String!) {
          importTickets(
            workspaceId: $w
            csv: $csv
            mapping: { title: "Subject", priority: "Urgency", status: "Missing" }
          ) {
            imported
          }
        }
      `,
      { token: owner.token, variables: { w: workspaceId, csv } },
    );
    expectContract(imported);
    expect(errorCodes(imported)).toEqual(["BAD_USER_INPUT"]);
    expect(imported.errors?.[0]?.extensions?.problems).toEqual([
      { field: "mapping.status", row: 0, column: "Missing", message: 'the CSV has no column "Missing"' },
    ]);
    const rows = await graphql(
      `
        mutation ($w: ID!, $csv: String!) {
          importTickets(workspaceId: $w, csv: $csv, mapping: { title: "Subject", priority: "Urgency" }) {
            imported
          }
        }
      `,
      { token: owner.token, variables: { w: workspaceId, csv } },
    );
    expectContract(rows);
    expect(errorCodes(rows)).toEqual(["BAD_USER_INPUT"]);
    expect(rows.errors?.[0]?.extensions).toMatchObject({
      field: "csv",
      problems: [{ field: "csv", row: 1, column: "Urgency", message: expect.stringMatching(/^must be one of/) }],
    });
  });

  test("the page limit: the same code, field and words in every list", async () => {
    const lists = [
      `query($w: ID!) { tickets(workspaceId: $w, first: 101) { nodes { id } } }`,
      `query($w: ID!) { activityLog(workspaceId: $w, first: 101) { nodes { id } } }`,
      `{ users(first: 101) { nodes { id } } }`,
    ];
    for (const query of lists) {
      const answer = await graphql(query, { token: owner.token, variables: { w: workspaceId } });
      expectContract(answer);
      expect(answer.errors?.[0]?.extensions).toMatchObject({
        code: "BAD_USER_INPUT",
        field: "first",
        problems: [{ field: "first", message: "must be at most 100" }],
      });
    }
  });

  test("a duplicate is CONFLICT naming the argument, a workspace name as a taken email", async () => {
    const taken = await graphql(
      `
        mutation ($input: CreateWorkspaceInput!) {
          createWorkspace(input: $input) {
            id
          }
        }
      `,
      {
        token: owner.token,
        variables: { input: { name: `Conventions ${workspaceId}` } },
      },
    );
    expect(taken.errors).toBeUndefined();
    const again = await graphql(
      `
        mutation ($input: CreateWorkspaceInput!) {
          createWorkspace(input: $input) {
            id
          }
        }
      `,
      {
        token: owner.token,
        variables: { input: { name: `Conventions ${workspaceId}` } },
      },
    );
    expectContract(again);
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", field: "input.name" });
    const email = uniqueEmail("taken");
    await signUp({ email });
    const sameEmail = await signUp({ email }).catch((error: unknown) => String(error));
    expect(sameEmail).toMatch(/CONFLICT/);
  });

  test("too few seats is PLAN_LIMIT in startCheckout and changeSeats, as in inviteUser", async () => {
    const workspace = await createWorkspace(owner.token, `Seats ${Date.now()}`);
    await setPlan(owner, workspace, { plan: "PRO", seats: 5 });
    const invite = (email: string) =>
      graphql(
        `
          mutation ($input: InviteUserInput!) {
            inviteUser(input: $input) {
              invitation {
                id
              }
            }
          }
        `,
        {
          token: owner.token,
          variables: {
            input: { firstName: "S", lastName: "Eat", email, workspaces: [{ workspaceId: workspace, role: "MEMBER" }] },
          },
        },
      );
    expect((await invite(uniqueEmail("seat"))).errors).toBeUndefined();
    const checkout = await graphql(
      `
        mutation ($w: ID!) {
          startCheckout(workspaceId: $w, plan: PRO, seats: 1) {
            url
          }
        }
      `,
      { token: owner.token, variables: { w: workspace } },
    );
    expectContract(checkout);
    expect(errorCodes(checkout)).toEqual(["PLAN_LIMIT"]);
    expect(checkout.errors?.[0]?.extensions?.field).toBe("seats");
  });
});

describe("a variable GraphQL refuses before any service runs", () => {
  test("names the variable's path in extensions.field and problems, HTTP 400", async () => {
    const wrongType = await graphql(
      `
        query ($w: ID!, $n: Int) {
          tickets(workspaceId: $w, first: $n) {
            nodes {
              id
            }
          }
        }
      `,
      { token: owner.token, variables: { w: workspaceId, n: "ten" } },
    );
    expect(wrongType.status).toBe(400);
    expectContract(wrongType);
    expect(wrongType.errors?.[0]?.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "$n",
      problems: [{ field: "$n", message: "must be a whole number" }],
    });

    const missingField = await graphql(
      `
        mutation ($input: CreateWorkspaceInput!) {
          createWorkspace(input: $input) {
            id
          }
        }
      `,
      { token: owner.token, variables: { input: {} } },
    );
    expect(missingField.status).toBe(400);
    expectContract(missingField);
    expect(missingField.errors?.[0]?.extensions).toMatchObject({
      field: "$input.name",
      problems: [{ field: "$input.name", message: "is required" }],
    });

    const missingVariable = await graphql(
      `
        query ($w: ID!) {
          workspace(id: $w) {
            id
          }
        }
      `,
      { token: owner.token, variables: {} },
    );
    expectContract(missingVariable);
    expect(missingVariable.errors?.[0]?.extensions?.field).toBe("$w");
  });
});

describe("one document, many requests", () => {
  // The gateway keeps what it builds from a parsed document for the next request of the same
  // query (patches/@apollo__gateway@2.14.4.patch): each answer must still follow its own variables.
  test("the same query text answers each request's variables, @include and fragments, across two services", async () => {
    const other = await createWorkspace(owner.token, `Conventions other ${Date.now()}`);
    const query = `
      query ($id: ID!, $withBilling: Boolean!, $withName: Boolean = true) {
        workspace(id: $id) {
          id
          name @include(if: $withName)
          ...Billed @include(if: $withBilling)
        }
      }
      fragment Billed on Workspace {
        billing {
          plan
          seats
        }
      }
    `;
    type Answer = { workspace: { id: string; name?: string; billing?: { plan: string; seats: number } } | null };
    const ask = (variables: Record<string, unknown>) => graphql<Answer>(query, { token: owner.token, variables });
    for (let round = 0; round < 2; round += 1) {
      const billed = await ask({ id: workspaceId, withBilling: true });
      expect(billed.errors).toBeUndefined();
      expect(billed.data?.workspace).toEqual({
        id: workspaceId,
        name: expect.stringMatching(/^Conventions \d+$/),
        billing: { plan: "PRO", seats: 10 },
      });
      const bare = await ask({ id: other, withBilling: false, withName: false });
      expect(bare.errors).toBeUndefined();
      expect(bare.data?.workspace).toEqual({ id: other });
      const missing = await ask({ id: randomUUID(), withBilling: true });
      expect(missing.data?.workspace).toBeNull();
      expect(errorCodes(missing)).toEqual(["NOT_FOUND"]);
    }
  });
});

describe("entities named many times in one answer", () => {
  // The gateway asks a subgraph for each distinct entity once per fetch and spreads the answer
  // back (docs/adr/0030): every place must still get its own entity.
  test("a page whose tickets share a creator and an assignee names them on every ticket", async () => {
    const fixture = await workspaceWithMembers(2, "Repeated");
    const [alice, bob] = fixture.members;
    if (!alice || !bob) throw new Error("no members");
    const assignees = [alice, alice, bob, alice, null];
    for (const assignee of assignees)
      await createTicket(fixture.owner.token, fixture.workspaceId, assignee ? { assigneeId: assignee.userId } : {});
    const names = async (userId: string) =>
      (
        await graphql<{ me: { firstName: string; lastName: string } }>("{ me { firstName lastName } }", {
          token: [fixture.owner, alice, bob].find((user) => user.userId === userId)!.token,
        })
      ).data!.me;
    const page = await graphql<{
      tickets: { nodes: Array<{ number: number; creator: { id: string; firstName: string }; assignee: unknown }> };
    }>(
      `
        query ($w: ID!) {
          tickets(workspaceId: $w, first: 10) {
            nodes {
              number
              creator {
                id
                firstName
              }
              assignee {
                id
                firstName
                lastName
              }
            }
          }
        }
      `,
      { token: fixture.owner.token, variables: { w: fixture.workspaceId } },
    );
    expect(page.errors).toBeUndefined();
    const owner = await names(fixture.owner.userId);
    const byNumber = [...page.data!.tickets.nodes].sort((a, b) => a.number - b.number);
    expect(byNumber).toHaveLength(assignees.length);
    for (const [index, node] of byNumber.entries()) {
      const assignee = assignees[index];
      expect(node.creator).toEqual({ id: fixture.owner.userId, firstName: owner.firstName });
      expect(node.assignee).toEqual(assignee ? { id: assignee.userId, ...(await names(assignee.userId)) } : null);
    }
  });

  test("a client's own variable called representations reaches its field as sent, repeats included", async () => {
    const fixture = await workspaceWithMembers(1, "Variables");
    const member = fixture.members[0]!;
    const mutation = (name: string) =>
      `mutation($w: ID!, $${name}: [ID!]!) { setMemberPermissions(workspaceId: $w, userIds: $${name}, input: { deny: ["tickets:delete"] }) { user { id } } }`;
    const send = (name: string) =>
      graphql(mutation(name), {
        token: fixture.owner.token,
        variables: { w: fixture.workspaceId, [name]: [member.userId, member.userId] },
      });
    const plain = await send("ids");
    const named = await send("representations");
    expect(named).toEqual(plain);
  });
});
