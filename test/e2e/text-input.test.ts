import { beforeAll, describe, expect, test } from "@jest/globals";
import {
  createWorkspace,
  errorCodes,
  graphql,
  graphqlOk,
  signUp,
  uniqueEmail,
  type GraphQLResponse,
  type SignedUpUser,
} from "../harness/stack.js";
import { identityQuery, seedInvitation } from "../harness/identity.js";
import { createOrgMember, type OrgMember } from "../harness/people.js";
import { setPlan } from "../harness/workspace.js";
import { expectTextRefused } from "../harness/text-input.js";

/**
 * Every name and free-text input of every service refuses NUL, other control characters and
 * bidirectional overrides with BAD_USER_INPUT naming the field, and stores nothing
 * (@support/validation). Services built later add their mutations with `expectTextRefused`
 * from test/harness/text-input.ts.
 */

const invitationsOf = async (token: string) =>
  (
    await graphqlOk<{ invitations: { nodes: unknown[] } }>(
      `{ invitations(first: 100) { nodes { id firstName lastName status } } }`,
      { token },
    )
  ).invitations.nodes;

describe("identity: names refuse control and bidi characters", () => {
  const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { token } }`;

  test.each(["organisationName", "firstName", "lastName"])("signUp %s", async (field) => {
    const email = uniqueEmail("refused");
    await expectTextRefused({
      field,
      send: (value) =>
        graphql(SIGN_UP, {
          variables: {
            input: {
              organisationName: "Acme",
              firstName: "Ada",
              lastName: "Lovelace",
              email,
              password: "correct horse battery",
              [field]: value,
            },
          },
        }),
      snapshot: () => identityQuery(`SELECT id FROM "user" WHERE email_normalized = $1`, [email]),
    });
  });

  describe("as an org admin with a workspace", () => {
    let admin: SignedUpUser;
    let workspaceId: string;
    beforeAll(async () => {
      admin = await signUp();
      workspaceId = await createWorkspace(admin.token, "Text input");
    });

    test.each(["firstName", "lastName"])("inviteUser %s", async (field) => {
      const INVITE = `mutation($input: InviteUserInput!) { inviteUser(input: $input) { invitation { id } } }`;
      await expectTextRefused({
        field,
        send: (value) =>
          graphql(INVITE, {
            token: admin.token,
            variables: {
              input: {
                firstName: "Grace",
                lastName: "Hopper",
                email: uniqueEmail("invitee"),
                workspaces: [{ workspaceId, role: "MEMBER" }],
                [field]: value,
              },
            },
          }),
        snapshot: () => invitationsOf(admin.token),
      });
    });

    test.each(["firstName", "lastName"])("updateUser %s", async (field) => {
      const UPDATE = `mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id } }`;
      await expectTextRefused({
        field,
        send: (value) =>
          graphql(UPDATE, { token: admin.token, variables: { id: admin.userId, input: { [field]: value } } }),
        snapshot: () => graphqlOk(`{ me { firstName lastName } }`, { token: admin.token }),
      });
    });

    test.each(["firstName", "lastName"])("acceptInvitation %s", async (field) => {
      const invitation = await seedInvitation(admin.organisationId, { workspaceIds: [workspaceId] });
      const ACCEPT = `mutation($t: String!, $p: String!, $f: String, $l: String) {
        acceptInvitation(token: $t, password: $p, firstName: $f, lastName: $l) { token } }`;
      await expectTextRefused({
        field,
        send: (value) =>
          graphql(ACCEPT, {
            variables: {
              t: invitation.token,
              p: "invited person password",
              f: field === "firstName" ? value : null,
              l: field === "lastName" ? value : null,
            },
          }),
        snapshot: async () => ({
          invitations: await invitationsOf(admin.token),
          users: await identityQuery(`SELECT id FROM "user" WHERE email_normalized = lower($1)`, [invitation.email]),
        }),
      });
    });
  });
});

describe("workspace: names and descriptions refuse control and bidi characters", () => {
  let owner: SignedUpUser;
  let member: OrgMember;
  let workspaceId: string;
  let roleId: string;
  let teamId: string;

  const workspaceView = () =>
    graphqlOk(
      `query($id: ID!) { workspace(id: $id) { name roles(first: 100) { nodes { id name } } teams(first: 100) { nodes { id name description } } } }`,
      {
        token: owner.token,
        variables: { id: workspaceId },
      },
    );

  beforeAll(async () => {
    owner = await signUp();
    workspaceId = await createWorkspace(owner.token, "Text input workspace");
    await setPlan(owner, workspaceId, { plan: "UNLIMITED", seats: 10 });
    member = await createOrgMember(owner.organisationId);
    roleId = (
      await graphqlOk<{ createRole: { id: string } }>(
        `mutation($w: ID!) { createRole(workspaceId: $w, input: { name: "Agents", permissions: ["tickets:view"] }) { id } }`,
        { token: owner.token, variables: { w: workspaceId } },
      )
    ).createRole.id;
    teamId = (
      await graphqlOk<{ createTeam: { id: string } }>(
        `mutation($w: ID!) { createTeam(workspaceId: $w, input: { name: "Tier 1" }) { id } }`,
        { token: owner.token, variables: { w: workspaceId } },
      )
    ).createTeam.id;
  });

  test("createWorkspace name", async () => {
    await expectTextRefused({
      field: "name",
      send: (value) =>
        graphql(
          `
            mutation ($input: CreateWorkspaceInput!) {
              createWorkspace(input: $input) {
                id
              }
            }
          `,
          {
            token: owner.token,
            variables: { input: { name: value } },
          },
        ),
      snapshot: () => graphqlOk(`{ workspaces(first: 100) { nodes { id name } } }`, { token: owner.token }),
    });
  });

  test("updateWorkspace name", async () => {
    await expectTextRefused({
      field: "name",
      send: (value) =>
        graphql(
          `
            mutation ($id: ID!, $input: UpdateWorkspaceInput!) {
              updateWorkspace(id: $id, input: $input) {
                id
              }
            }
          `,
          {
            token: owner.token,
            variables: { id: workspaceId, input: { name: value } },
          },
        ),
      snapshot: workspaceView,
    });
  });

  test("createRole and updateRole name", async () => {
    await expectTextRefused({
      field: "name",
      send: (value) =>
        graphql(
          `
            mutation ($w: ID!, $input: CreateRoleInput!) {
              createRole(workspaceId: $w, input: $input) {
                id
              }
            }
          `,
          {
            token: owner.token,
            variables: { w: workspaceId, input: { name: value, permissions: ["tickets:view"] } },
          },
        ),
      snapshot: workspaceView,
    });
    await expectTextRefused({
      field: "name",
      send: (value) =>
        graphql(
          `
            mutation ($id: ID!, $input: UpdateRoleInput!) {
              updateRole(id: $id, input: $input) {
                id
              }
            }
          `,
          {
            token: owner.token,
            variables: { id: roleId, input: { name: value } },
          },
        ),
      snapshot: workspaceView,
    });
  });

  test.each(["name", "description"])("createTeam and updateTeam %s", async (field) => {
    await expectTextRefused({
      field,
      send: (value) =>
        graphql(
          `
            mutation ($w: ID!, $input: CreateTeamInput!) {
              createTeam(workspaceId: $w, input: $input) {
                id
              }
            }
          `,
          {
            token: owner.token,
            variables: { w: workspaceId, input: { name: "Tier 2", [field]: value } },
          },
        ),
      snapshot: workspaceView,
    });
    await expectTextRefused({
      field,
      send: (value) =>
        graphql(
          `
            mutation ($id: ID!, $input: UpdateTeamInput!) {
              updateTeam(id: $id, input: $input) {
                id
              }
            }
          `,
          {
            token: owner.token,
            variables: { id: teamId, input: { [field]: value } },
          },
        ),
      snapshot: workspaceView,
    });
  });

  test("createApiKey name", async () => {
    await expectTextRefused({
      field: "name",
      send: (value) =>
        graphql(
          `
            mutation ($w: ID!, $n: String!) {
              createApiKey(workspaceId: $w, name: $n, permissions: ["tickets:view"]) {
                key
              }
            }
          `,
          {
            token: owner.token,
            variables: { w: workspaceId, n: value },
          },
        ),
      snapshot: () =>
        graphqlOk(`query($w: ID!) { apiKeys(workspaceId: $w, first: 100) { nodes { id name } } }`, {
          token: owner.token,
          variables: { w: workspaceId },
        }),
    });
  });

  test("requestToJoin message", async () => {
    await expectTextRefused({
      field: "message",
      send: (value) =>
        graphql(
          `
            mutation ($w: ID!, $m: String) {
              requestToJoin(workspaceId: $w, message: $m) {
                id
              }
            }
          `,
          {
            token: member.token,
            variables: { w: workspaceId, m: value },
          },
        ),
      snapshot: () =>
        graphqlOk(`query($w: ID!) { joinRequests(workspaceId: $w, first: 100) { nodes { id message } } }`, {
          token: owner.token,
          variables: { w: workspaceId },
        }),
    });
  });

  test("multi-line fields keep their line breaks; single-line fields refuse them", async () => {
    const description = "First line\nSecond line\r\n\tindented";
    const created = await graphqlOk<{ createTeam: { description: string } }>(
      `mutation($w: ID!, $d: String) { createTeam(workspaceId: $w, input: { name: "Multi-line", description: $d }) { description } }`,
      { token: owner.token, variables: { w: workspaceId, d: description } },
    );
    expect(created.createTeam.description).toBe(description);

    const message = "Hello,\nplease let me in.\n\nThanks";
    const requested = await graphqlOk<{ requestToJoin: { message: string } }>(
      `mutation($w: ID!, $m: String) { requestToJoin(workspaceId: $w, message: $m) { message } }`,
      { token: member.token, variables: { w: workspaceId, m: message } },
    );
    expect(requested.requestToJoin.message).toBe(message);

    const refused = await graphql(
      `
        mutation ($w: ID!, $n: String!) {
          createTeam(workspaceId: $w, input: { name: $n }) {
            id
          }
        }
      `,
      { token: owner.token, variables: { w: workspaceId, n: "Two\nlines" } },
    );
    expect(errorCodes(refused)).toEqual(["BAD_USER_INPUT"]);
    expect(refused.errors?.[0]?.message).toContain("name");
  });
});

describe("a NUL in any string argument is BAD_USER_INPUT naming it, never an internal error", () => {
  const NUL = "\u0000";

  test("emails, passwords, tokens, ids, searches, permissions and filters of every service", async () => {
    const admin = await signUp();
    const workspaceId = await createWorkspace(admin.token, "NUL sweep");
    const cases: Array<{ field: string; send: () => Promise<GraphQLResponse<unknown>> }> = [
      {
        field: "input.email",
        send: () =>
          graphql(
            `
              mutation ($input: LogInInput!) {
                logIn(input: $input) {
                  token
                }
              }
            `,
            {
              variables: { input: { email: `a${NUL}@example.test`, password: "whatever password" } },
            },
          ),
      },
      {
        field: "input.password",
        send: () =>
          graphql(
            `
              mutation ($input: LogInInput!) {
                logIn(input: $input) {
                  token
                }
              }
            `,
            {
              variables: { input: { email: admin.email, password: `pass${NUL}word` } },
            },
          ),
      },
      {
        field: "input.email",
        send: () =>
          graphql(
            `
              mutation ($input: SignUpInput!) {
                signUp(input: $input) {
                  token
                }
              }
            `,
            {
              variables: {
                input: {
                  organisationName: "Acme",
                  firstName: "Ada",
                  lastName: "Lovelace",
                  email: `nul${NUL}${uniqueEmail()}`,
                  password: "correct horse battery",
                },
              },
            },
          ),
      },
      {
        field: "token",
        send: () =>
          graphql(
            `
              mutation ($t: String!) {
                acceptInvitation(token: $t, password: "long enough password") {
                  token
                }
              }
            `,
            {
              variables: { t: `inv_${NUL}` },
            },
          ),
      },
      {
        field: "filter.search",
        send: () =>
          graphql(
            `
              query ($s: String) {
                users(filter: { search: $s }) {
                  totalCount
                }
              }
            `,
            {
              token: admin.token,
              variables: { s: `Ada${NUL}` },
            },
          ),
      },
      {
        field: "id",
        send: () =>
          graphql(
            `
              query ($id: ID!) {
                workspace(id: $id) {
                  id
                }
              }
            `,
            { token: admin.token, variables: { id: NUL } },
          ),
      },
      {
        field: "permission",
        send: () =>
          graphql(
            `
              query ($w: ID!, $u: ID!, $p: String!) {
                explainPermission(workspaceId: $w, userId: $u, permission: $p) {
                  allowed
                }
              }
            `,
            { token: admin.token, variables: { w: workspaceId, u: admin.userId, p: `tickets:view${NUL}` } },
          ),
      },
      {
        field: "filter.action",
        send: () =>
          graphql(
            `
              query ($w: ID!, $a: String) {
                activityLog(workspaceId: $w, filter: { action: $a }) {
                  pageInfo {
                    endCursor
                  }
                }
              }
            `,
            {
              token: admin.token,
              variables: { w: workspaceId, a: `workspace.created${NUL}` },
            },
          ),
      },
    ];
    for (const { field, send } of cases) {
      const result = await send();
      expect({ field, codes: errorCodes(result) }).toEqual({ field, codes: ["BAD_USER_INPUT"] });
      expect(result.errors?.[0]?.message).toContain(field);
    }
  });
});

describe("ticketing: TEXT field values and import cells refuse what every other text input refuses (issue 19)", () => {
  let owner: SignedUpUser;
  let workspaceId: string;
  let textField: string;
  const ticketsOf = () =>
    graphqlOk<{ tickets: { nodes: Array<{ id: string }> } }>(
      `query($w: ID!) { tickets(workspaceId: $w, first: 100) { nodes { id } } }`,
      { token: owner.token, variables: { w: workspaceId } },
    );

  beforeAll(async () => {
    owner = await signUp();
    workspaceId = await createWorkspace(owner.token, "Field text");
    await setPlan(owner, workspaceId, { plan: "PRO", seats: 5 });
    textField = (
      await graphqlOk<{ createTicketField: { id: string } }>(
        `mutation($w: ID!) { createTicketField(workspaceId: $w, input: { name: "Reference", type: TEXT }) { id } }`,
        { token: owner.token, variables: { w: workspaceId } },
      )
    ).createTicketField.id;
  }, 60_000);

  test("createTicket fieldValues TEXT", async () => {
    await expectTextRefused({
      field: "fieldValues",
      send: (value) =>
        graphql(
          `
            mutation ($w: ID!, $i: CreateTicketInput!) {
              createTicket(workspaceId: $w, input: $i) {
                id
              }
            }
          `,
          {
            token: owner.token,
            variables: {
              w: workspaceId,
              i: { title: "With a reference", fieldValues: [{ fieldId: textField, text: value }] },
            },
          },
        ),
      snapshot: ticketsOf,
    });
  });

  const IMPORT = `mutation($w: ID!, $csv: String!, $m: TicketImportMapping!) {
    importTickets(workspaceId: $w, csv: $csv, mapping: $m) { imported } }`;
  const csvOf = (title: string, reference: string) =>
    `Subject,Reference\r\n"${title.replaceAll('"', '""')}","${reference.replaceAll('"', '""')}"`;

  test("importTickets: a TEXT field's cell", async () => {
    await expectTextRefused({
      field: "(Reference|csv)",
      send: (value) =>
        graphql(IMPORT, {
          token: owner.token,
          variables: {
            w: workspaceId,
            csv: csvOf("Imported", value),
            m: { title: "Subject", fields: [{ fieldId: textField, column: "Reference" }] },
          },
        }),
      snapshot: ticketsOf,
    });
  });

  test("importTickets: a title cell", async () => {
    await expectTextRefused({
      field: "(Subject|csv)",
      send: (value) =>
        graphql(IMPORT, {
          token: owner.token,
          variables: { w: workspaceId, csv: csvOf(value, "REF-1"), m: { title: "Subject" } },
        }),
      snapshot: ticketsOf,
    });
  });

  test("a TEXT value keeps its line breaks and well-formed emoji", async () => {
    const text = "Line one\nLine two 😀";
    const created = await graphqlOk<{ createTicket: { id: string } }>(
      `mutation($w: ID!, $i: CreateTicketInput!) { createTicket(workspaceId: $w, input: $i) { id } }`,
      {
        token: owner.token,
        variables: { w: workspaceId, i: { title: "Kept", fieldValues: [{ fieldId: textField, text }] } },
      },
    );
    expect(created.createTicket.id).toBeTruthy();
  });
});
