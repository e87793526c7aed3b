import { describe, expect, test } from "@jest/globals";
import {
  changedWithin,
  createWorkspace,
  errorCodes,
  eventually,
  graphql,
  graphqlOk,
  signUp,
} from "../harness/stack.js";

interface ActivityPage {
  activityLog: {
    nodes: Array<{
      action: string;
      category: string;
      actor: { type: string; id: string | null };
      target: { type: string; id: string; label: string | null };
      changes: Array<{ field: string; old: unknown; new: unknown }>;
    }>;
  };
}

const ACTIVITY = `query($id: ID!) { activityLog(workspaceId: $id) { nodes { action category actor { type id } target { type id label } changes { field old new } } } }`;

describe("the walking skeleton through the gateway", () => {
  test("sign up, log in, create a workspace and find workspace.created in its activity log", async () => {
    const owner = await signUp({ organisationName: "Skeleton Org" });

    const me = await graphqlOk<{ me: { id: string; orgRole: string; organisation: { name: string } } }>(
      `{ me { id orgRole organisation { name } } }`,
      { token: owner.token },
    );
    expect(me.me).toEqual({ id: owner.userId, orgRole: "ORG_ADMIN", organisation: { name: "Skeleton Org" } });

    const login = await graphqlOk<{ logIn: { token: string; user: { id: string } } }>(
      `mutation($input: LogInInput!) { logIn(input: $input) { token user { id } } }`,
      { variables: { input: { email: owner.email.toUpperCase(), password: "correct horse battery" } } },
    );
    expect(login.logIn.user.id).toBe(owner.userId);

    const workspaceId = await createWorkspace(login.logIn.token, "Front line");
    const workspace = await graphqlOk<{ workspace: { name: string; myRole: string } }>(
      `query($id: ID!) { workspace(id: $id) { name myRole } }`,
      { token: login.logIn.token, variables: { id: workspaceId } },
    );
    expect(workspace.workspace).toEqual({ name: "Front line", myRole: "OWNER" });

    const entry = await eventually(
      async () => {
        const page = await graphqlOk<ActivityPage>(ACTIVITY, { token: owner.token, variables: { id: workspaceId } });
        return page.activityLog.nodes.find((e) => e.action === "workspace.created");
      },
      20_000,
      "workspace.created in the activity log",
    );
    expect(entry).toEqual({
      action: "workspace.created",
      category: "workspace",
      actor: { type: "user", id: owner.userId },
      target: { type: "workspace", id: workspaceId, label: "Front line" },
      changes: [{ field: "name", old: null, new: "Front line" }],
    });
  });

  test("a new workspace gets a BASIC trial from billing, through events and the Workspace entity", async () => {
    const owner = await signUp();
    const workspaceId = await createWorkspace(owner.token, "Billing check");
    const billing = await eventually(
      async () => {
        const data = await graphqlOk<{
          workspace: { billing: { plan: string; seats: number; status: string; pending: boolean } | null };
        }>(`query($id: ID!) { workspace(id: $id) { billing { plan seats status pending } } }`, {
          token: owner.token,
          variables: { id: workspaceId },
        });
        return data.workspace.billing?.pending === false ? data.workspace.billing : undefined;
      },
      20_000,
      "the billing account",
    );
    expect(billing).toEqual({ plan: "BASIC", seats: 3, status: "TRIALING", pending: false });
  });

  test("anonymous callers get null for me and UNAUTHENTICATED for workspaces", async () => {
    expect(await graphqlOk(`{ me { id } }`)).toEqual({ me: null });
    expect(
      errorCodes(
        await graphql(`
          {
            workspaces {
              nodes {
                id
              }
            }
          }
        `),
      ),
    ).toEqual(["UNAUTHENTICATED"]);
  });

  test("after logOut the token no longer authenticates", async () => {
    const user = await signUp();
    expect(await graphqlOk(`mutation { logOut }`, { token: user.token })).toEqual({ logOut: true });
    // Within the credential cache's 1 s bound of the answer (docs/adr/0011), at every gateway.
    await changedWithin(
      Date.now(),
      async () => {
        const after = await graphql(
          `
            {
              me {
                id
              }
            }
          `,
          { token: user.token },
        );
        if (after.errors === undefined) return false;
        expect(errorCodes(after)).toEqual(["UNAUTHENTICATED"]);
        return true;
      },
      "the logged-out session",
    );
  });

  test("a wrong password and an unknown email are refused alike", async () => {
    const user = await signUp();
    const query = `mutation($input: LogInInput!) { logIn(input: $input) { token } }`;
    const wrong = await graphql(query, { variables: { input: { email: user.email, password: "not the password" } } });
    const unknown = await graphql(query, {
      variables: { input: { email: "nobody@example.test", password: "whatever-long" } },
    });
    expect(errorCodes(wrong)).toEqual(["UNAUTHENTICATED"]);
    expect(wrong.errors?.[0]?.message).toBe(unknown.errors?.[0]?.message);
  });

  test("signing up twice with one email (any case) is a CONFLICT; bad input is BAD_USER_INPUT", async () => {
    const user = await signUp();
    const query = `mutation($input: SignUpInput!) { signUp(input: $input) { token } }`;
    const input = {
      organisationName: "Dup",
      firstName: "A",
      lastName: "B",
      email: user.email.toUpperCase(),
      password: "long enough password",
    };
    expect(errorCodes(await graphql(query, { variables: { input } }))).toEqual(["CONFLICT"]);
    const bad = await graphql(query, { variables: { input: { ...input, email: "not-an-email", password: "short" } } });
    expect(errorCodes(bad)).toEqual(["BAD_USER_INPUT"]);
    expect(bad.errors?.[0]?.message).toMatch(/email/);
    expect(bad.errors?.[0]?.message).toMatch(/password/);
  });

  test("only org admins create workspaces, and names are validated", async () => {
    const admin = await signUp();
    const query = `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }`;
    expect(errorCodes(await graphql(query, { token: admin.token, variables: { input: { name: "   " } } }))).toEqual([
      "BAD_USER_INPUT",
    ]);
    await createWorkspace(admin.token, "Taken");
    const duplicate = await graphql(query, { token: admin.token, variables: { input: { name: "Taken" } } });
    // A duplicate is CONFLICT everywhere (as a taken email is), naming the argument.
    expect(errorCodes(duplicate)).toEqual(["CONFLICT"]);
    expect(duplicate.errors?.[0]?.message).toBe('A workspace named "Taken" already exists in this organisation');
    expect(duplicate.errors?.[0]?.extensions?.field).toBe("input.name");
    const workspaces = await graphqlOk<{ workspaces: { nodes: Array<{ name: string }> } }>(
      "{ workspaces { nodes { name } } }",
      {
        token: admin.token,
      },
    );
    expect(workspaces.workspaces.nodes.map((w) => w.name)).toEqual(["Taken"]);
  });
});
