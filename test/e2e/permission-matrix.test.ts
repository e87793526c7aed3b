import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, test } from "@jest/globals";
import { buildASTSchema, parse, type ObjectTypeDefinitionNode } from "graphql";
import { type Caller, type MatrixFixture, matrixFixture, freshMember, freshJoinRequest } from "../harness/matrix.js";
import { ACTOR_CONTEXT_HEADER } from "@support/actor-context";
import {
  createWorkspace,
  graphql,
  graphqlOk,
  signedContext,
  signUp,
  testStack,
  uniqueEmail,
  type GraphQLResponse,
} from "../harness/stack.js";
import { invitePerson, workspaceQuery } from "../harness/people.js";
import { identityQuery } from "../harness/identity.js";
import { createHash, randomBytes } from "node:crypto";
import { ticketingQuery } from "../harness/ticketing.js";
import { subscribe } from "../harness/billing.js";
import { auditQuery } from "../harness/audit.js";

/**
 * One table of who may call what, for every root field the identity and workspace subgraphs own
 * in the composed supergraph (issue 4). Columns are callers; cells are the expected outcome:
 * `ok`, or the error code (UA = UNAUTHENTICATED, F = FORBIDDEN, NF = NOT_FOUND, C = CONFLICT).
 *
 * owner      the workspace's OWNER (also the org admin who signed the organisation up)
 * admin      a workspace ADMIN
 * member     a MEMBER, default toggles
 * memberOff  the same MEMBER in a second workspace whose member toggles are flipped
 *            (create/delete tickets off; export data and all analytics on)
 * custom     a member holding the custom role "Triage" (tickets:list, members:list, teams:create)
 * orgAdmin   an org admin of the organisation who is not a member of the workspace
 * otherOrg   the org admin of another organisation
 * apiKey     an API key of the workspace with members:list and teams:create
 * anonymous  no Authorization header
 * supervisor a SUPERVISOR, agent an AGENT, support a SUPPORT (the preset roles, issue 22): their
 *            operations act on a MEMBER (the role given is MEMBER), so a supervisor may; what a
 *            supervisor may not do to administrators is in preset-roles.test.ts
 *
 * Rows named `permission <p>` probe `myPermissions` instead of an operation: ok = has it.
 */
const EXPECTED = `
operation                        owner admin member memberOff custom orgAdmin otherOrg apiKey anonymous supervisor agent support
me                               ok    ok    ok     ok        ok     ok       ok       ok     ok        ok         ok    ok
signUp                           ok    ok    ok     ok        ok     ok       ok       ok     ok        ok         ok    ok
logIn                            ok    ok    ok     ok        ok     ok       ok       ok     ok        ok         ok    ok
logOut                           ok    ok    ok     ok        ok     ok       ok       F      UA        ok         ok    ok
users                            ok    ok    F      F         F      ok       ok       F      UA        ok         F     F
invitations                      ok    ok    F      F         F      ok       ok       F      UA        ok         F     F
updateUser                       ok    ok    F      F         F      ok       NF       F      UA        ok         F     F
setOrgRole                       ok    F     F      F         F      ok       NF       F      UA        F          F     F
setUserStatus                    ok    F     F      F         F      ok       NF       F      UA        F          F     F
deleteUser                       ok    F     F      F         F      ok       NF       F      UA        F          F     F
inviteUser                       ok    ok    F      F         F      ok       NF       F      UA        ok         F     F
acceptInvitation                 ok    ok    ok     ok        ok     ok       ok       ok     ok        ok         ok    ok
revokeInvitation                 ok    ok    F      F         F      ok       NF       F      UA        ok         F     F
resendInvitation                 ok    ok    F      F         F      ok       NF       F      UA        ok         F     F
requestPasswordReset             ok    ok    ok     ok        ok     ok       ok       ok     ok        ok         ok    ok
resetPassword                    ok    ok    ok     ok        ok     ok       ok       ok     ok        ok         ok    ok
workspace                        ok    ok    ok     ok        ok     ok       NF       ok     UA        ok         ok    ok
workspaces                       ok    ok    ok     ok        ok     ok       ok       ok     UA        ok         ok    ok
myPermissions                    ok    ok    ok     ok        ok     ok       NF       ok     UA        ok         ok    ok
permissionCatalogue              ok    ok    ok     ok        ok     ok       ok       ok     UA        ok         ok    ok
explainPermission                ok    ok    F      F         F      ok       NF       F      UA        ok         F     F
joinRequests                     ok    ok    F      F         F      ok       NF       F      UA        ok         F     F
apiKeys                          ok    F     F      F         F      F        NF       F      UA        F          F     F
createWorkspace                  ok    F     F      F         F      ok       ok       F      UA        F          F     F
updateWorkspace                  ok    ok    F      F         F      ok       NF       F      UA        ok         F     F
updateWorkspaceSettings          ok    ok    F      F         F      ok       NF       F      UA        ok         F     F
createRole                       ok    ok    F      F         F      ok       NF       F      UA        ok         F     F
updateRole                       ok    ok    F      F         F      ok       NF       F      UA        ok         F     F
deleteRole                       ok    ok    F      F         F      ok       NF       F      UA        ok         F     F
setMemberRole                    ok    ok    F      F         F      ok       NF       F      UA        ok         F     F
removeMember                     ok    ok    F      F         F      ok       NF       F      UA        ok         F     F
setMemberPermissions             ok    ok    F      F         F      ok       NF       F      UA        ok         F     F
transferOwnership                ok    F     F      F         F      F        NF       F      UA        F          F     F
requestToJoin                    C     C     C      C         C      ok       NF       F      UA        C          C     C
approveJoinRequest               ok    ok    F      F         F      ok       NF       F      UA        ok         F     F
rejectJoinRequest                ok    ok    F      F         F      ok       NF       F      UA        ok         F     F
createTeam                       ok    ok    F      F         ok     ok       NF       ok     UA        ok         F     F
updateTeam                       ok    ok    F      F         F      ok       NF       F      UA        ok         F     F
deleteTeam                       ok    ok    F      F         F      ok       NF       F      UA        ok         F     F
createApiKey                     ok    F     F      F         F      F        NF       F      UA        F          F     F
revokeApiKey                     ok    F     F      F         F      F        NF       F      UA        F          F     F
rotateApiKey                     ok    F     F      F         F      F        NF       F      UA        F          F     F
deleteWorkspace                  ok    F     F      F         F      F        NF       F      UA        F          F     F
exportWorkspaceData              ok    F     F      ok        F      F        NF       F      UA        F          F     F
renewWorkspaceDataExportLink     ok    NF    NF     ok        NF     NF       NF       NF     UA        NF         NF    NF
workspaceDeletion                ok    NF    NF     NF        NF     ok       NF       F      UA        NF         NF    NF
permission tickets:create        ok    ok    ok     F         F      ok       NF       F      UA        ok         ok    ok
permission tickets:delete        ok    ok    ok     F         F      ok       NF       F      UA        ok         ok    F
permission members:list          ok    ok    ok     ok        ok     ok       NF       ok     UA        ok         ok    ok
permission members:invite        ok    ok    F      F         F      ok       NF       F      UA        ok         F     F
permission analytics:view_all    ok    ok    F      ok        F      ok       NF       F      UA        ok         F     F
permission workspace_data:export ok    F     F      ok        F      F        NF       F      UA        F          F     F
permission billing:manage        ok    F     F      F         F      F        NF       F      UA        F          F     F
permission api_keys:create       ok    F     F      F         F      F        NF       F      UA        F          F     F
permission billing:view          ok    ok    F      F         F      ok       NF       F      UA        F          F     F
permission tickets:assign        ok    ok    F      F         F      ok       NF       F      UA        ok         ok    F
permission activity_log:view     ok    ok    ok     ok        F      ok       NF       F      UA        ok         ok    F
permission roles:update          ok    ok    F      F         F      ok       NF       F      UA        ok         F     F
`;

const CODES: Record<string, string> = {
  ok: "ok",
  UA: "UNAUTHENTICATED",
  F: "FORBIDDEN",
  NF: "NOT_FOUND",
  C: "CONFLICT",
};

function parseTable(table: string): { callers: Caller[]; rows: Map<string, Record<Caller, string>> } {
  const lines = table
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/));
  const [header, ...body] = lines;
  if (!header) throw new Error("empty table");
  const callers = header.slice(1) as Caller[];
  const rows = new Map<string, Record<Caller, string>>();
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
      ) as Record<Caller, string>,
    );
  }
  return { callers, rows };
}

/** Root fields of the composed supergraph that the given subgraphs resolve. */
async function workspaceName(fx: MatrixFixture, workspaceId: string): Promise<string> {
  const data = await graphqlOk<{ workspace: { name: string } }>("query($w: ID!) { workspace(id: $w) { name } }", {
    token: fx.tokenFor("owner"),
    variables: { w: workspaceId },
  });
  return data.workspace.name;
}

function rootFieldsOf(subgraphs: string[]): string[] {
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

interface Call {
  query: string;
  variables?: Record<string, unknown>;
}

interface Operation {
  /** Builds the call; may prepare a fresh target as the owner first, so callers never share one. */
  call(fx: MatrixFixture, caller: Caller): Promise<Call>;
}

const PASSWORD = "matrix password 1";

const OPERATIONS: Record<string, Operation> = {
  me: { call: async () => ({ query: "{ me { id } }" }) },
  signUp: {
    call: async () => ({
      query: "mutation($i: SignUpInput!) { signUp(input: $i) { token } }",
      variables: {
        i: { organisationName: "Other Co", firstName: "N", lastName: "U", email: uniqueEmail("m"), password: PASSWORD },
      },
    }),
  },
  logIn: {
    call: async (fx) => ({
      query: "mutation($i: LogInInput!) { logIn(input: $i) { token } }",
      variables: { i: { email: fx.loginPerson.email, password: fx.loginPerson.password } },
    }),
  },
  logOut: {
    // a session of its own, so the caller's fixture token stays valid
    call: async () => ({ query: "mutation { logOut }" }),
  },
  users: { call: async () => ({ query: "{ users { totalCount nodes { id email } } }" }) },
  invitations: { call: async () => ({ query: "{ invitations { nodes { id } } }" }) },
  updateUser: {
    call: async (fx) => ({
      query: "mutation($u: ID!, $i: UpdateUserInput!) { updateUser(id: $u, input: $i) { id } }",
      variables: { u: fx.target.userId, i: { lastName: "Renamed" } },
    }),
  },
  setOrgRole: {
    call: async (fx) => ({
      query: "mutation($u: ID!) { setOrgRole(id: $u, input: { role: MEMBER }) { id } }",
      variables: { u: fx.target.userId },
    }),
  },
  setUserStatus: {
    call: async (fx) => ({
      query: "mutation($u: ID!) { setUserStatus(id: $u, input: { status: ACTIVE }) { id } }",
      variables: { u: fx.target.userId },
    }),
  },
  deleteUser: {
    call: async (fx) => {
      const person = await freshMember(fx, fx.workspaceId, "MEMBER");
      return { query: "mutation($u: ID!) { deleteUser(id: $u) }", variables: { u: person.userId } };
    },
  },
  inviteUser: {
    call: async (fx) => ({
      query: "mutation($i: InviteUserInput!) { inviteUser(input: $i) { invitation { id } } }",
      variables: {
        i: {
          firstName: "In",
          lastName: "Vitee",
          email: uniqueEmail("invitee"),
          workspaces: [{ workspaceId: fx.workspaceId, role: "MEMBER" }],
        },
      },
    }),
  },
  acceptInvitation: {
    call: async (fx) => {
      const token = await fx.invite(fx.workspaceId, "MEMBER");
      return {
        query: "mutation($t: String!, $p: String!) { acceptInvitation(token: $t, password: $p) { token } }",
        variables: { t: token.token, p: PASSWORD },
      };
    },
  },
  requestPasswordReset: {
    // Anyone may ask, for any address: the answer never tells whether it has an account.
    call: async () => ({
      query: "mutation($i: RequestPasswordResetInput!) { requestPasswordReset(input: $i) }",
      variables: { i: { email: uniqueEmail("reset") } },
    }),
  },
  resetPassword: {
    // The token is what authorises (it reaches only the mailbox): a fresh person's link, seeded.
    call: async () => {
      const person = await signUp();
      const token = `pwr_${randomBytes(32).toString("base64url")}`;
      await identityQuery(
        `INSERT INTO password_reset (id, user_id, token_hash, expires_at) VALUES (gen_random_uuid(), $1, $2, now() + interval '30 minutes')`,
        [person.userId, createHash("sha256").update(token).digest("hex")],
      );
      return {
        query: "mutation($i: ResetPasswordInput!) { resetPassword(input: $i) }",
        variables: { i: { token, password: "matrix reset password" } },
      };
    },
  },
  revokeInvitation: {
    call: async (fx) => {
      const invitation = await fx.invite(fx.workspaceId, "MEMBER");
      return { query: "mutation($id: ID!) { revokeInvitation(id: $id) { id } }", variables: { id: invitation.id } };
    },
  },
  resendInvitation: {
    call: async (fx) => {
      const invitation = await fx.invite(fx.workspaceId, "MEMBER");
      return {
        query: "mutation($id: ID!) { resendInvitation(id: $id) { invitation { id } } }",
        variables: { id: invitation.id },
      };
    },
  },
  workspace: {
    call: async (fx) => ({
      query: "query($w: ID!) { workspace(id: $w) { id name } }",
      variables: { w: fx.workspaceId },
    }),
  },
  workspaces: { call: async () => ({ query: "{ workspaces { nodes { id } } }" }) },
  myPermissions: {
    call: async (fx, caller) => ({
      query: "query($w: ID!) { myPermissions(workspaceId: $w) }",
      variables: { w: fx.workspaceFor(caller) },
    }),
  },
  permissionCatalogue: { call: async () => ({ query: "{ permissionCatalogue { permission } }" }) },
  explainPermission: {
    call: async (fx) => ({
      query:
        'query($w: ID!, $u: ID!) { explainPermission(workspaceId: $w, userId: $u, permission: "tickets:create") { allowed } }',
      variables: { w: fx.workspaceId, u: fx.target.userId },
    }),
  },
  joinRequests: {
    call: async (fx) => ({
      query: "query($w: ID!) { joinRequests(workspaceId: $w) { nodes { id } } }",
      variables: { w: fx.workspaceId },
    }),
  },
  apiKeys: {
    call: async (fx) => ({
      query: "query($w: ID!) { apiKeys(workspaceId: $w) { nodes { id } } }",
      variables: { w: fx.workspaceId },
    }),
  },
  createWorkspace: {
    call: async () => ({
      query: "mutation($i: CreateWorkspaceInput!) { createWorkspace(input: $i) { id } }",
      variables: { i: { name: `Matrix ${uniqueEmail("ws")}` } },
    }),
  },
  updateWorkspace: {
    call: async (fx) => ({
      query: "mutation($w: ID!, $i: UpdateWorkspaceInput!) { updateWorkspace(id: $w, input: $i) { id } }",
      variables: { w: fx.workspaceId, i: { name: `Matrix ${uniqueEmail("renamed")}` } },
    }),
  },
  updateWorkspaceSettings: {
    call: async (fx) => ({
      query:
        "mutation($w: ID!) { updateWorkspaceSettings(id: $w, input: { sharedBroadcastTemplates: true }) { sharedBroadcastTemplates } }",
      variables: { w: fx.workspaceId },
    }),
  },
  createRole: {
    call: async (fx) => ({
      query: "mutation($w: ID!, $i: CreateRoleInput!) { createRole(workspaceId: $w, input: $i) { id } }",
      variables: { w: fx.workspaceId, i: { name: `Role ${uniqueEmail("r")}`, permissions: ["tickets:view"] } },
    }),
  },
  updateRole: {
    call: async (fx) => ({
      query: 'mutation($id: ID!) { updateRole(id: $id, input: { permissions: ["tickets:close"] }) { id } }',
      variables: { id: await fx.createRole() },
    }),
  },
  deleteRole: {
    call: async (fx) => ({
      query: "mutation($id: ID!) { deleteRole(id: $id) }",
      variables: { id: await fx.createRole() },
    }),
  },
  setMemberRole: {
    call: async (fx) => ({
      query:
        "mutation($w: ID!, $u: ID!) { setMemberRole(workspaceId: $w, userId: $u, input: { role: MEMBER }) { role } }",
      variables: { w: fx.workspaceId, u: fx.target.userId },
    }),
  },
  removeMember: {
    call: async (fx) => {
      const person = await freshMember(fx, fx.workspaceId, "MEMBER");
      return {
        query: "mutation($w: ID!, $u: ID!) { removeMember(workspaceId: $w, userId: $u) }",
        variables: { w: fx.workspaceId, u: person.userId },
      };
    },
  },
  setMemberPermissions: {
    call: async (fx) => ({
      query:
        "mutation($w: ID!, $u: [ID!]!) { setMemberPermissions(workspaceId: $w, userIds: $u, input: { grant: [], deny: [] }) { role } }",
      variables: { w: fx.workspaceId, u: [fx.target.userId] },
    }),
  },
  deleteWorkspace: {
    call: async (fx, caller) => {
      // A workspace of its own per call (the caller holding their role in it): a deletion must not
      // take the fixture's workspace; the exact name is typed, so only permissions decide.
      const workspaceId = await fx.workspaceForTransfer(caller);
      return {
        query: "mutation($w: ID!, $n: String!) { deleteWorkspace(id: $w, confirmName: $n) { done } }",
        variables: { w: workspaceId, n: await workspaceName(fx, workspaceId) },
      };
    },
  },
  exportWorkspaceData: {
    // memberOff's workspace lets members export (membersCanExportData); one call per workspace here,
    // so the 60-second limit (tested in workspace-export.test.ts) does not decide any cell.
    call: async (fx, caller) => ({
      query: "mutation($w: ID!) { exportWorkspaceData(id: $w) { url } }",
      variables: { w: fx.workspaceFor(caller) },
    }),
  },
  renewWorkspaceDataExportLink: {
    // A fresh link for the caller's own export where they may export (each workspace's allowance
    // cleared first), otherwise for the owner's: only the requester renews, anyone else NOT_FOUND.
    call: async (fx, caller) => {
      const exportAs = async (token: string | undefined, w: string) => {
        await workspaceQuery(`DELETE FROM export_allowance WHERE workspace_id = $1`, [w]);
        const answer = await graphql<{ exportWorkspaceData: { exportId: string } }>(
          "mutation($w: ID!) { exportWorkspaceData(id: $w) { exportId } }",
          { token, variables: { w } },
        );
        return answer.data?.exportWorkspaceData.exportId;
      };
      const exportId =
        (await exportAs(fx.tokenFor(caller), fx.workspaceFor(caller))) ??
        (await exportAs(fx.tokenFor("owner"), fx.workspaceId));
      return {
        query: "mutation($e: ID!) { renewWorkspaceDataExportLink(id: $e) { url } }",
        variables: { e: exportId },
      };
    },
  },
  workspaceDeletion: {
    call: async (fx) => {
      // A workspace the owner created and deleted: readable by them and the organisation's admins.
      const workspaceId = await createWorkspace(fx.tokenFor("owner")!, `Deleted ${uniqueEmail("w")}`);
      await graphqlOk("mutation($w: ID!, $n: String!) { deleteWorkspace(id: $w, confirmName: $n) { done } }", {
        token: fx.tokenFor("owner"),
        variables: { w: workspaceId, n: await workspaceName(fx, workspaceId) },
      });
      return {
        query: "query($w: ID!) { workspaceDeletion(workspaceId: $w) { done } }",
        variables: { w: workspaceId },
      };
    },
  },
  transferOwnership: {
    call: async (fx, caller) => {
      // A workspace of its own per call: a successful transfer must not change the fixture's owner.
      const workspaceId = await fx.workspaceForTransfer(caller);
      return {
        query: "mutation($w: ID!, $u: ID!) { transferOwnership(workspaceId: $w, userId: $u) { id } }",
        variables: { w: workspaceId, u: fx.target.userId },
      };
    },
  },
  requestToJoin: {
    call: async (fx) => ({
      query: "mutation($w: ID!) { requestToJoin(workspaceId: $w) { id } }",
      variables: { w: fx.workspaceId },
    }),
  },
  approveJoinRequest: {
    call: async (fx) => ({
      query: "mutation($id: ID!) { approveJoinRequest(id: $id, input: { role: MEMBER }) { status } }",
      variables: { id: await freshJoinRequest(fx) },
    }),
  },
  rejectJoinRequest: {
    call: async (fx) => ({
      query: "mutation($id: ID!) { rejectJoinRequest(id: $id) { status } }",
      variables: { id: await freshJoinRequest(fx) },
    }),
  },
  createTeam: {
    call: async (fx) => ({
      query: "mutation($w: ID!, $i: CreateTeamInput!) { createTeam(workspaceId: $w, input: $i) { id } }",
      variables: { w: fx.workspaceId, i: { name: `Team ${uniqueEmail("t")}` } },
    }),
  },
  updateTeam: {
    call: async (fx) => ({
      query: "mutation($id: ID!) { updateTeam(id: $id, input: { active: false }) { id } }",
      variables: { id: await fx.createTeam() },
    }),
  },
  deleteTeam: {
    call: async (fx) => ({
      query: "mutation($id: ID!) { deleteTeam(id: $id) }",
      variables: { id: await fx.createTeam() },
    }),
  },
  createApiKey: {
    call: async (fx) => ({
      query:
        'mutation($w: ID!) { createApiKey(workspaceId: $w, name: "matrix", permissions: ["tickets:list"]) { key } }',
      variables: { w: fx.workspaceId },
    }),
  },
  revokeApiKey: {
    call: async (fx) => ({
      query: "mutation($id: ID!) { revokeApiKey(id: $id) { id } }",
      variables: { id: await fx.createApiKey() },
    }),
  },
  rotateApiKey: {
    call: async (fx) => ({
      query: "mutation($id: ID!) { rotateApiKey(id: $id) { key } }",
      variables: { id: await fx.createApiKey() },
    }),
  },
};

function outcomeOf(result: GraphQLResponse<unknown>): string {
  const code = result.errors?.[0]?.extensions?.code;
  if (!result.errors?.length) return "ok";
  return code ?? `NO_CODE: ${result.errors[0]?.message}`;
}

const { callers, rows } = parseTable(EXPECTED);

describe("permission matrix (identity and workspace, through the gateway)", () => {
  let fx: MatrixFixture;

  beforeAll(async () => {
    fx = await matrixFixture();
  }, 180_000);

  test("every root field of the identity and workspace subgraphs has a row, and every row an operation", () => {
    const fields = rootFieldsOf(["IDENTITY", "WORKSPACE"]);
    expect(fields.length).toBeGreaterThan(30);
    const operationRows = [...rows.keys()].filter((name) => !name.startsWith("permission "));
    expect(fields.filter((f) => !rows.has(f))).toEqual([]);
    expect(operationRows.filter((r) => !fields.includes(r))).toEqual([]);
    expect(operationRows.filter((r) => !OPERATIONS[r])).toEqual([]);
  });

  test("every caller gets exactly the expected outcome for every operation", async () => {
    const actual: string[] = [];
    const expected: string[] = [];
    for (const [name, row] of rows) {
      for (const caller of callers) {
        let outcome: string;
        if (name.startsWith("permission ")) {
          const permission = name.slice("permission ".length);
          const result = await graphql<{ myPermissions: string[] }>(
            "query($w: ID!) { myPermissions(workspaceId: $w) }",
            { token: fx.tokenFor(caller), variables: { w: fx.workspaceFor(caller) } },
          );
          outcome = result.errors?.length
            ? outcomeOf(result)
            : result.data?.myPermissions.includes(permission)
              ? "ok"
              : "FORBIDDEN";
        } else {
          const operation = OPERATIONS[name];
          if (!operation) continue; // reported by the coverage test
          const call = await operation.call(fx, caller);
          const token = name === "logOut" ? await fx.freshTokenFor(caller) : fx.tokenFor(caller);
          outcome = outcomeOf(await graphql(call.query, { token, variables: call.variables }));
        }
        actual.push(`${name} as ${caller}: ${outcome}`);
        expected.push(`${name} as ${caller}: ${row[caller]}`);
      }
    }
    // One comparison, so a failure lists every cell that differs.
    expect(actual).toEqual(expected);
  }, 600_000);

  test("another tenant's workspace answers exactly like a nonexistent one", async () => {
    const query = "query($w: ID!) { workspace(id: $w) { id name } }";
    const foreign = await graphql(query, { token: fx.tokenFor("otherOrg"), variables: { w: fx.workspaceId } });
    const missing = await graphql(query, {
      token: fx.tokenFor("otherOrg"),
      variables: { w: "00000000-0000-4000-8000-000000000000" },
    });
    expect(foreign.data).toEqual(missing.data);
    expect(foreign.errors?.map((e) => [e.message, e.extensions?.code])).toEqual(
      missing.errors?.map((e) => [e.message, e.extensions?.code]),
    );
    const ok = await graphqlOk<{ workspace: { id: string } }>(query, {
      token: fx.tokenFor("owner"),
      variables: { w: fx.workspaceId },
    });
    expect(ok.workspace.id).toBe(fx.workspaceId);
  });

  test("through _entities sent straight to a subgraph, another organisation's user answers exactly as a nonexistent one", async () => {
    const stranger = await signedContext({
      kind: "user",
      userId: fx.otherOrg.userId,
      organisationId: fx.otherOrg.organisationId,
      orgRole: "ORG_ADMIN",
      sessionId: "00000000-0000-4000-8000-000000000003",
    });
    const entities = async (service: "identity" | "workspace", selection: string, userId: string) => {
      const response = await fetch(`${testStack().serviceUrls[service]}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", [ACTOR_CONTEXT_HEADER]: stranger },
        body: JSON.stringify({
          query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { ${selection} } } }`,
          variables: { r: [{ __typename: "User", id: userId }] },
        }),
      });
      return (await response.json()) as {
        data?: unknown;
        errors?: Array<{ message: string; extensions?: { code?: string } }>;
      };
    };
    const nobody = "00000000-0000-4000-8000-00000000beef";
    for (const [service, selection] of [
      ["identity", "id email firstName"],
      ["workspace", "id workspaceCount"],
    ] as const) {
      const foreign = await entities(service, selection, fx.target.userId);
      const missing = await entities(service, selection, nobody);
      // identical answers, but for the id asked about
      expect(JSON.stringify(foreign).replaceAll(fx.target.userId, nobody)).toBe(JSON.stringify(missing));
      expect(JSON.stringify(foreign)).not.toContain(fx.target.email);
      if (service === "identity") expect(foreign.errors?.map((e) => e.extensions?.code)).toEqual(["NOT_FOUND"]);
    }
  });
});

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
  const { callers: ticketCallers, rows: ticketRows } = parseTable(TICKET_EXPECTED) as unknown as {
    callers: TicketCaller[];
    rows: Map<string, Record<TicketCaller, string>>;
  };
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

// ---- billing (issue 10) ------------------------------------------------------------------------
// A block of its own (own fixture, own table): billing's operations are owner-only
// (`billing:manage`); `workspace.billing` needs `billing:view`. The fixture's main workspace has a
// subscription bought through the Stripe stand-in, so the owner's operations succeed (but a second
// checkout, which is CONFLICT while a subscription is live).

const EXPECTED_BILLING = `
operation          owner admin member memberOff custom orgAdmin otherOrg apiKey anonymous supervisor agent support
workspace.billing  ok    ok    F      F         F      ok       NF       F      UA        F          F     F
startCheckout      C     F     F      F         F      F        NF       F      UA        F          F     F
openBillingPortal  ok    F     F      F         F      F        NF       F      UA        F          F     F
changeSeats        ok    F     F      F         F      F        NF       F      UA        F          F     F
cancelSubscription ok    F     F      F         F      F        NF       F      UA        F          F     F
`;

const BILLING_OPERATIONS: Record<string, Operation> = {
  "workspace.billing": {
    call: async (fx, caller) => ({
      query: "query($w: ID!) { workspace(id: $w) { id billing { plan seats status } } }",
      variables: { w: fx.workspaceFor(caller) },
    }),
  },
  startCheckout: {
    call: async (fx, caller) => ({
      query: "mutation($w: ID!) { startCheckout(workspaceId: $w, plan: PRO, seats: 50) { url } }",
      variables: { w: fx.workspaceFor(caller) },
    }),
  },
  openBillingPortal: {
    call: async (fx, caller) => ({
      query: "mutation($w: ID!) { openBillingPortal(workspaceId: $w) { url } }",
      variables: { w: fx.workspaceFor(caller) },
    }),
  },
  changeSeats: {
    call: async (fx, caller) => ({
      query: "mutation($w: ID!) { changeSeats(workspaceId: $w, seats: 200) { seats } }",
      variables: { w: fx.workspaceFor(caller) },
    }),
  },
  cancelSubscription: {
    call: async (fx, caller) => ({
      query: "mutation($w: ID!) { cancelSubscription(workspaceId: $w) { status } }",
      variables: { w: fx.workspaceFor(caller) },
    }),
  },
};

// ---- audit (issue 11) --------------------------------------------------------------------------
// Reading and verifying the log need `activity_log:view` (MEMBERs have it, the custom role
// "Triage" and the API key do not); signing a checkpoint needs `activity_log:checkpoint` and
// exporting `activity_log:export` (admins and owners, issue 19). An export is limited to one per 60 seconds per workspace, so each export call first
// clears the workspace's allowance row (the limit itself is tested in audit-integrity.test.ts).

const EXPECTED_AUDIT = `
operation                  owner admin member memberOff custom orgAdmin otherOrg apiKey anonymous supervisor agent support
activityLog                ok    ok    ok     ok        F      ok       NF       F      UA        ok         ok    F
activityStats              ok    ok    ok     ok        F      ok       NF       F      UA        ok         ok    F
verifyActivityLog          ok    ok    ok     ok        F      ok       NF       F      UA        ok         ok    F
checkpointActivityLog      ok    ok    F      F         F      ok       NF       F      UA        ok         F     F
exportActivityLog          ok    ok    F      F         F      ok       NF       F      UA        ok         F     F
renewActivityLogExportLink ok    ok    NF     NF        NF     ok       NF       NF     UA        ok         NF    NF
`;

/** The caller's own activity-log export where they may export, otherwise the owner's (allowance cleared first). */
async function activityExportFor(fx: MatrixFixture, caller: Caller): Promise<string | undefined> {
  const exportAs = async (token: string | undefined, w: string) => {
    await auditQuery(`DELETE FROM export_allowance WHERE workspace_id = $1`, [w]);
    const answer = await graphql<{ exportActivityLog: { exportId: string } }>(
      "mutation($w: ID!) { exportActivityLog(workspaceId: $w) { exportId } }",
      { token, variables: { w } },
    );
    return answer.data?.exportActivityLog.exportId;
  };
  return (
    (await exportAs(fx.tokenFor(caller), fx.workspaceFor(caller))) ??
    (await exportAs(fx.tokenFor("owner"), fx.workspaceId))
  );
}

const AUDIT_OPERATIONS: Record<string, Operation> = {
  activityLog: {
    call: async (fx, caller) => ({
      query: "query($w: ID!) { activityLog(workspaceId: $w, first: 5) { nodes { id action } } }",
      variables: { w: fx.workspaceFor(caller) },
    }),
  },
  activityStats: {
    call: async (fx, caller) => ({
      query: `query($w: ID!) { activityStats(workspaceId: $w, from: "2026-01-01T00:00:00Z", to: "2027-01-01T00:00:00Z") { categories } }`,
      variables: { w: fx.workspaceFor(caller) },
    }),
  },
  verifyActivityLog: {
    call: async (fx, caller) => ({
      query: "query($w: ID!) { verifyActivityLog(workspaceId: $w) { valid } }",
      variables: { w: fx.workspaceFor(caller) },
    }),
  },
  checkpointActivityLog: {
    call: async (fx, caller) => ({
      query: "mutation($w: ID!) { checkpointActivityLog(workspaceId: $w) { position } }",
      variables: { w: fx.workspaceFor(caller) },
    }),
  },
  exportActivityLog: {
    call: async (fx, caller) => {
      await auditQuery(`DELETE FROM export_allowance WHERE workspace_id = $1`, [fx.workspaceFor(caller)]);
      return {
        query: "mutation($w: ID!) { exportActivityLog(workspaceId: $w) { url } }",
        variables: { w: fx.workspaceFor(caller) },
      };
    },
  },
  renewActivityLogExportLink: {
    // Only the requester renews a link (and only while they may export): anyone else NOT_FOUND.
    call: async (fx, caller) => ({
      query: "mutation($e: ID!) { renewActivityLogExportLink(id: $e) { url } }",
      variables: { e: await activityExportFor(fx, caller) },
    }),
  },
};

/**
 * A subgraph's own block of the matrix (own fixture, own table), for subgraphs whose operations
 * all act on a workspace: every root field has a row, every caller gets exactly the expected
 * outcome, and another organisation's workspace answers like a missing one.
 */
function subgraphMatrix(options: {
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

subgraphMatrix({
  name: "billing",
  graph: "BILLING",
  rootFields: ["cancelSubscription", "changeSeats", "openBillingPortal", "startCheckout"],
  table: EXPECTED_BILLING,
  operations: BILLING_OPERATIONS,
  prepare: async (fx) => void (await subscribe(fx.owner.token, fx.workspaceId, "UNLIMITED", 200)),
  foreignQuery: "mutation($w: ID!) { changeSeats(workspaceId: $w, seats: 5) { seats } }",
});

subgraphMatrix({
  name: "audit",
  graph: "AUDIT",
  rootFields: [
    "activityLog",
    "activityStats",
    "checkpointActivityLog",
    "exportActivityLog",
    "renewActivityLogExportLink",
    "verifyActivityLog",
  ],
  table: EXPECTED_AUDIT,
  operations: AUDIT_OPERATIONS,
  foreignQuery: "query($w: ID!) { verifyActivityLog(workspaceId: $w) { valid } }",
});
