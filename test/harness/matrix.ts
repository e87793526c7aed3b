import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, test } from "@jest/globals";
import { buildASTSchema, parse, type ObjectTypeDefinitionNode } from "graphql";
import { invitationTokenFor } from "@support/infra/mail-catcher";
import {
  createWorkspace,
  graphql,
  graphqlOk,
  mailCatcherUrl,
  signUp,
  uniqueEmail,
  type GraphQLResponse,
  type SignedUpUser,
} from "./stack.js";
import { logIn } from "./identity.js";
import { invitePerson, type Person, type WorkspaceRoleName } from "./people.js";
import { setPlan } from "./workspace.js";

export type Caller =
  | "owner"
  | "admin"
  | "member"
  | "memberOff"
  | "custom"
  | "orgAdmin"
  | "otherOrg"
  | "apiKey"
  | "anonymous"
  | "supervisor"
  | "agent"
  | "support";

/** The built-in role each member caller holds in the main workspace (the preset ones included). */
const ROLE_OF: Partial<Record<Caller, WorkspaceRoleName>> = {
  admin: "ADMIN",
  member: "MEMBER",
  memberOff: "MEMBER",
  custom: "MEMBER",
  supervisor: "SUPERVISOR",
  agent: "AGENT",
  support: "SUPPORT",
};

/** The cast of the permission matrix: one organisation with every kind of caller, and an outsider. */
export interface MatrixFixture {
  owner: SignedUpUser;
  /** The workspace most rows act on (UNLIMITED plan, plenty of seats). */
  workspaceId: string;
  /** Same owner and member; member toggles flipped. */
  toggledWorkspaceId: string;
  /** A workspace the org admin belongs to (an invitation needs one). */
  elsewhereWorkspaceId: string;
  customRoleId: string;
  /** A MEMBER of the main workspace that operations act on. */
  target: Person;
  loginPerson: { email: string; password: string };
  people: Partial<Record<Caller, Person>>;
  apiKey: string;
  otherOrg: SignedUpUser;
  tokenFor(caller: Caller): string | undefined;
  /** A second session (or the key) of the caller, for operations that end a session. */
  freshTokenFor(caller: Caller): Promise<string | undefined>;
  workspaceFor(caller: Caller): string;
  invite(workspaceId: string, role: WorkspaceRoleName): Promise<{ id: string; token: string }>;
  createRole(): Promise<string>;
  createTeam(): Promise<string>;
  createApiKey(): Promise<string>;
  /** A fresh workspace of the owner with the target and (if a user of the organisation) the caller in it. */
  workspaceForTransfer(caller: Caller): Promise<string>;
}

export async function matrixFixture(): Promise<MatrixFixture> {
  const owner = await signUp();
  const ownerPassword = "correct horse battery";
  const workspaceId = await createWorkspace(owner.token, `Matrix ${Date.now()}`);
  const toggledWorkspaceId = await createWorkspace(owner.token, `Matrix toggled ${Date.now()}`);
  const elsewhereWorkspaceId = await createWorkspace(owner.token, `Matrix elsewhere ${Date.now()}`);
  await setPlan(owner, workspaceId, { plan: "UNLIMITED", seats: 200 });
  await setPlan(owner, toggledWorkspaceId, { plan: "UNLIMITED", seats: 20 });
  await setPlan(owner, elsewhereWorkspaceId, { seats: 200 });
  await graphqlOk(
    `mutation($w: ID!) { updateWorkspaceSettings(id: $w, input: {
       membersCanCreateTickets: false, membersCanDeleteTickets: false,
       membersCanExportData: true, membersCanSeeAllAnalytics: true }) { ticketsEnabled } }`,
    { token: owner.token, variables: { w: toggledWorkspaceId } },
  );
  const role = await graphqlOk<{ createRole: { id: string } }>(
    `mutation($w: ID!) { createRole(workspaceId: $w, input: { name: "Triage",
       permissions: ["tickets:list", "members:list", "teams:create"] }) { id } }`,
    { token: owner.token, variables: { w: workspaceId } },
  );
  const customRoleId = role.createRole.id;

  const admin = await invitePerson(owner, [{ workspaceId, role: "ADMIN" }]);
  const member = await invitePerson(owner, [
    { workspaceId, role: "MEMBER" },
    { workspaceId: toggledWorkspaceId, role: "MEMBER" },
  ]);
  const custom = await invitePerson(owner, [{ workspaceId, role: "MEMBER", customRoleId }]);
  const target = await invitePerson(owner, [{ workspaceId, role: "MEMBER" }]);
  const supervisor = await invitePerson(owner, [{ workspaceId, role: "SUPERVISOR" }]);
  const agent = await invitePerson(owner, [{ workspaceId, role: "AGENT" }]);
  const support = await invitePerson(owner, [{ workspaceId, role: "SUPPORT" }]);
  const orgAdmin = await invitePerson(owner, [{ workspaceId: elsewhereWorkspaceId, role: "MEMBER" }], {
    orgRole: "ORG_ADMIN",
  });
  const otherOrg = await signUp({ organisationName: "Someone Else Ltd" });
  await createWorkspace(otherOrg.token, "Their own");
  const key = await graphqlOk<{ createApiKey: { key: string } }>(
    `mutation($w: ID!) { createApiKey(workspaceId: $w, name: "matrix", permissions: ["members:list", "teams:create"]) { key } }`,
    { token: owner.token, variables: { w: workspaceId } },
  );

  const people: Partial<Record<Caller, Person>> = {
    owner: { userId: owner.userId, email: owner.email, token: owner.token, password: ownerPassword },
    admin,
    member,
    memberOff: member,
    custom,
    orgAdmin,
    otherOrg: { userId: otherOrg.userId, email: otherOrg.email, token: otherOrg.token, password: ownerPassword },
    supervisor,
    agent,
    support,
  };

  const fx: MatrixFixture = {
    owner,
    workspaceId,
    toggledWorkspaceId,
    elsewhereWorkspaceId,
    customRoleId,
    target,
    loginPerson: { email: owner.email, password: ownerPassword },
    people,
    apiKey: key.createApiKey.key,
    otherOrg,
    tokenFor: (caller) => (caller === "apiKey" ? fx.apiKey : people[caller]?.token),
    freshTokenFor: async (caller) => {
      if (caller === "apiKey") return fx.apiKey;
      const person = people[caller];
      return person ? logIn(person.email, person.password) : undefined;
    },
    workspaceFor: (caller) => (caller === "memberOff" ? toggledWorkspaceId : workspaceId),
    invite: async (w, r) => {
      const email = uniqueEmail("inv");
      const data = await graphqlOk<{ inviteUser: { invitation: { id: string } } }>(
        "mutation($i: InviteUserInput!) { inviteUser(input: $i) { invitation { id } } }",
        {
          token: owner.token,
          variables: {
            i: { firstName: "In", lastName: "Vitee", email, workspaces: [{ workspaceId: w, role: r }] },
          },
        },
      );
      // The token is in the invitee's mailbox only.
      return { id: data.inviteUser.invitation.id, token: await invitationTokenFor(mailCatcherUrl(), email) };
    },
    createRole: async () => {
      const data = await graphqlOk<{ createRole: { id: string } }>(
        `mutation($w: ID!, $n: String!) { createRole(workspaceId: $w, input: { name: $n, permissions: ["tickets:list"] }) { id } }`,
        { token: owner.token, variables: { w: workspaceId, n: `Role ${uniqueEmail("r")}` } },
      );
      return data.createRole.id;
    },
    createTeam: async () => {
      const data = await graphqlOk<{ createTeam: { id: string } }>(
        `mutation($w: ID!, $n: String!) { createTeam(workspaceId: $w, input: { name: $n }) { id } }`,
        { token: owner.token, variables: { w: workspaceId, n: `Team ${uniqueEmail("t")}` } },
      );
      return data.createTeam.id;
    },
    createApiKey: async () => {
      const data = await graphqlOk<{ createApiKey: { apiKey: { id: string } } }>(
        `mutation($w: ID!) { createApiKey(workspaceId: $w, name: "temp", permissions: ["tickets:list"]) { apiKey { id } } }`,
        { token: owner.token, variables: { w: workspaceId } },
      );
      return data.createApiKey.apiKey.id;
    },
    workspaceForTransfer: async (caller) => {
      const w = await createWorkspace(owner.token, `Transfer ${uniqueEmail("w")}`);
      const callerRole = ROLE_OF[caller];
      const members = [target, ...(callerRole ? [people[caller]] : [])];
      for (const person of members) {
        if (!person) continue;
        // The caller holds their own built-in role there (a custom role's holder: MEMBER).
        const role = person === target ? "MEMBER" : (callerRole ?? "MEMBER");
        await graphqlOk(
          "mutation($u: ID!, $w: ID!, $r: InvitedWorkspaceRole!) { updateUser(id: $u, input: { setWorkspaces: [{ workspaceId: $w, role: $r }] }) { id } }",
          { token: owner.token, variables: { u: person.userId, w, r: role } },
        );
      }
      return w;
    },
  };
  return fx;
}

/** A new member of the workspace, through an invitation the owner sends and the person accepts. */
export async function freshMember(fx: MatrixFixture, workspaceId: string, role: WorkspaceRoleName): Promise<Person> {
  return invitePerson(fx.owner, [{ workspaceId, role }]);
}

/** A pending join request to the main workspace from a new person of the organisation. */
export async function freshJoinRequest(fx: MatrixFixture): Promise<string> {
  const person = await invitePerson(fx.owner, [{ workspaceId: fx.elsewhereWorkspaceId, role: "MEMBER" }]);
  const data = await graphqlOk<{ requestToJoin: { id: string } }>(
    "mutation($w: ID!) { requestToJoin(workspaceId: $w) { id } }",
    { token: person.token, variables: { w: fx.workspaceId } },
  );
  return data.requestToJoin.id;
}

// ---- the tables ---------------------------------------------------------------------------------
// Each permission-matrix-*.test.ts holds one subgraph's table (identity and workspace share one)
// of expected outcomes, columns the callers and rows the operations, and checks every cell.

/** A table cell's code → the outcome it stands for (UA = UNAUTHENTICATED, F = FORBIDDEN, NF = NOT_FOUND, C = CONFLICT). */
const CODES: Record<string, string> = {
  ok: "ok",
  UA: "UNAUTHENTICATED",
  F: "FORBIDDEN",
  NF: "NOT_FOUND",
  C: "CONFLICT",
};

/**
 * Reads an expected table: a header of callers, then a row per operation (or `permission <p>`),
 * each cell an outcome code (see CODES). `C` names the table's callers.
 */
export function parseTable<C extends string = Caller>(
  table: string,
): { callers: C[]; rows: Map<string, Record<C, string>> } {
  const lines = table
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/));
  const [header, ...body] = lines;
  if (!header) throw new Error("empty table");
  const callers = header.slice(1) as C[];
  const rows = new Map<string, Record<C, string>>();
  for (const cells of body) {
    // `permission <name>` rows have a two-word name
    const nameLength = cells[0] === "permission" ? 2 : 1;
    const name = cells.slice(0, nameLength).join(" ");
    const outcomes = cells.slice(nameLength);
    if (outcomes.length !== callers.length) throw new Error(`row ${name} has ${outcomes.length} cells`);
    rows.set(
      name,
      Object.fromEntries(
        callers.map((caller, i) => {
          const code = CODES[outcomes[i] ?? ""];
          if (!code) throw new Error(`row ${name}: unknown cell ${outcomes[i]}`);
          return [caller, code];
        }),
      ) as Record<C, string>,
    );
  }
  return { callers, rows };
}

/** Root fields of the composed supergraph that the given subgraphs resolve. */
export function rootFieldsOf(subgraphs: string[]): string[] {
  const sdl = readFileSync(new URL("../../gateway/supergraph.graphql", import.meta.url), "utf8");
  const document = parse(sdl);
  buildASTSchema(document, { assumeValidSDL: true }); // fails on a malformed supergraph
  const fields: string[] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== "ObjectTypeDefinition") continue;
    const type = definition as ObjectTypeDefinitionNode;
    if (type.name.value !== "Query" && type.name.value !== "Mutation") continue;
    for (const field of type.fields ?? []) {
      const graph = field.directives
        ?.find((d) => d.name.value === "join__field")
        ?.arguments?.find((a) => a.name.value === "graph");
      if (graph?.value.kind === "EnumValue" && subgraphs.includes(graph.value.value)) fields.push(field.name.value);
    }
  }
  return fields.sort();
}

/** A GraphQL call one cell of a table makes. */
export interface Call {
  query: string;
  variables?: Record<string, unknown>;
}

/** A row of a table whose callers are the fixture's. */
export interface Operation {
  /** Builds the call; may prepare a fresh target as the owner first, so callers never share one. */
  call(fx: MatrixFixture, caller: Caller): Promise<Call>;
}

/** `ok`, or the first error's code. */
export function outcomeOf(result: GraphQLResponse<unknown>): string {
  const code = result.errors?.[0]?.extensions?.code;
  if (!result.errors?.length) return "ok";
  return code ?? `NO_CODE: ${result.errors[0]?.message}`;
}

/**
 * A subgraph's own block of the matrix (own fixture, own table), for subgraphs whose operations
 * all act on a workspace: every root field has a row, every caller gets exactly the expected
 * outcome, and another organisation's workspace answers like a missing one.
 */
export function subgraphMatrix(options: {
  name: string;
  graph: string;
  rootFields: string[];
  table: string;
  operations: Record<string, Operation>;
  prepare?: (fx: MatrixFixture) => Promise<void>;
  foreignQuery: string;
}) {
  describe(`permission matrix (${options.name}, through the gateway)`, () => {
    const table = parseTable(options.table);
    let fx: MatrixFixture;

    beforeAll(async () => {
      fx = await matrixFixture();
      await options.prepare?.(fx);
    }, 180_000);

    test(`every root field of the ${options.name} subgraph has a row, and every row an operation`, () => {
      const fields = rootFieldsOf([options.graph]);
      expect(fields).toEqual(options.rootFields);
      expect(fields.filter((f) => !table.rows.has(f))).toEqual([]);
      expect([...table.rows.keys()].filter((r) => !options.operations[r])).toEqual([]);
    });

    test(`every caller gets exactly the expected outcome for every ${options.name} operation`, async () => {
      const actual: string[] = [];
      const expected: string[] = [];
      for (const [name, row] of table.rows) {
        const operation = options.operations[name];
        if (!operation) continue; // reported by the coverage test
        for (const caller of table.callers) {
          const call = await operation.call(fx, caller);
          const outcome = outcomeOf(
            await graphql(call.query, { token: fx.tokenFor(caller), variables: call.variables }),
          );
          actual.push(`${name} as ${caller}: ${outcome}`);
          expected.push(`${name} as ${caller}: ${row[caller]}`);
        }
      }
      expect(actual).toEqual(expected);
    }, 300_000);

    test(`another organisation's workspace answers ${options.name} operations exactly like a nonexistent one`, async () => {
      const foreign = await graphql(options.foreignQuery, {
        token: fx.tokenFor("otherOrg"),
        variables: { w: fx.workspaceId },
      });
      const missing = await graphql(options.foreignQuery, {
        token: fx.tokenFor("otherOrg"),
        variables: { w: "00000000-0000-4000-8000-000000000000" },
      });
      expect(foreign.errors?.map((e) => [e.message, e.extensions?.code])).toEqual(
        missing.errors?.map((e) => [e.message, e.extensions?.code]),
      );
      expect(foreign.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    });
  });
}
