import { createHash, randomBytes } from "node:crypto";
import { beforeAll, describe, expect, test } from "@jest/globals";
import { ACTOR_CONTEXT_HEADER } from "@support/actor-context";
import { identityQuery } from "../harness/identity.js";
import {
  type MatrixFixture,
  type Operation,
  freshJoinRequest,
  freshMember,
  matrixFixture,
  outcomeOf,
  parseTable,
  rootFieldsOf,
} from "../harness/matrix.js";
import { workspaceQuery } from "../harness/people.js";
import {
  createWorkspace,
  graphql,
  graphqlOk,
  signedContext,
  signUp,
  testStack,
  uniqueEmail,
} from "../harness/stack.js";

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

/** The workspace's name, which deleteWorkspace wants typed as its confirmation. */
async function workspaceName(fx: MatrixFixture, workspaceId: string): Promise<string> {
  const data = await graphqlOk<{ workspace: { name: string } }>("query($w: ID!) { workspace(id: $w) { name } }", {
    token: fx.tokenFor("owner"),
    variables: { w: workspaceId },
  });
  return data.workspace.name;
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

const { callers, rows } = parseTable(EXPECTED);

describe("permission matrix (identity and workspace, through the gateway)", () => {
  let fx: MatrixFixture;
  /** The other organisation's admin, as the gateway would sign them (for calls straight to a subgraph). */
  const otherOrgAdminContext = () =>
    signedContext({
      kind: "user",
      userId: fx.otherOrg.userId,
      organisationId: fx.otherOrg.organisationId,
      orgRole: "ORG_ADMIN",
      sessionId: "00000000-0000-4000-8000-000000000003",
    });

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
    const stranger = await otherOrgAdminContext();
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

  test("a malformed User id among _entities' representations is NOT_FOUND, and the others in the batch still answer", async () => {
    const own = await otherOrgAdminContext();
    const representations = [
      fx.otherOrg.userId,
      "not-a-uuid",
      "'; SELECT pg_sleep(5); --",
      fx.otherOrg.userId.toUpperCase(),
      fx.otherOrg.userId,
    ].map((id) => ({ __typename: "User", id }));
    const response = await fetch(`${testStack().serviceUrls.identity}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", [ACTOR_CONTEXT_HEADER]: own },
      body: JSON.stringify({
        query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id email } } }`,
        variables: { r: representations },
      }),
    });
    const answer = (await response.json()) as {
      data?: { _entities: Array<{ id: string; email: string } | null> };
      errors?: Array<{ path?: Array<string | number>; extensions?: { code?: string } }>;
    };
    const user = { id: fx.otherOrg.userId, email: fx.otherOrg.email };
    // One batch, one look-up: the hostile ids cannot fail it for the rest (nor reach the database).
    expect(answer.data?._entities).toEqual([user, null, null, null, user]);
    expect(answer.errors?.map((e) => [e.path, e.extensions?.code])).toEqual(
      [1, 2, 3].map((index) => [["_entities", index], "NOT_FOUND"]),
    );
  });
});
