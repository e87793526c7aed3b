import { describe, expect, test } from "@jest/globals";
import pg from "pg";
import { invitationTokenFor } from "@support/infra/mail-catcher";
import {
  createWorkspace,
  eventually,
  graphqlOk,
  mailCatcherUrl,
  signUp,
  testStack,
  uniqueEmail,
} from "../harness/stack.js";

// Issue 20: logIn and acceptInvitation answered user.workspaceCount 0 while `me` said 1 (the
// answer was counted for an anonymous caller, and before invitation.accepted had created the
// membership). The answers now read after the change.

const LOG_IN = `mutation($input: LogInInput!) { logIn(input: $input) { token user { id workspaceCount } } }`;
const INVITE = `mutation($input: InviteUserInput!) { inviteUser(input: $input) { invitation { id } } }`;
const ACCEPT = `mutation($token: String!, $password: String!) {
  acceptInvitation(token: $token, password: $password) { token user { id workspaceCount } }
}`;
const ME = `{ me { id workspaceCount } }`;
const PASSWORD = "correct horse battery";

interface Answer {
  token: string;
  user: { id: string; workspaceCount: number };
}

async function workspaceDb<T extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<T[]> {
  const stack = testStack();
  const url = new URL(stack.postgresServerUrl);
  url.pathname = `/support_workspace${stack.databaseSuffix}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function workspaceWithTrial(token: string, name: string): Promise<string> {
  const workspaceId = await createWorkspace(token, name);
  await eventually(async () => {
    const data = await graphqlOk<{ workspace: { billing: { pending: boolean } | null } }>(
      `query($id: ID!) { workspace(id: $id) { billing { pending } } }`,
      { token, variables: { id: workspaceId } },
    );
    return data.workspace.billing?.pending === false ? true : undefined;
  });
  return workspaceId;
}

const me = async (token: string) => (await graphqlOk<{ me: Answer["user"] }>(ME, { token })).me;

describe("workspaceCount in mutation answers", () => {
  test("logIn answers the count me gives", async () => {
    const owner = await signUp({ password: PASSWORD });
    await createWorkspace(owner.token, "Counted");
    const answer = await graphqlOk<{ logIn: Answer }>(LOG_IN, {
      variables: { input: { email: owner.email, password: PASSWORD } },
    });
    expect(answer.logIn.user).toEqual({ id: owner.userId, workspaceCount: 1 });
    expect(await me(answer.logIn.token)).toEqual(answer.logIn.user);
  });

  test("acceptInvitation answers the workspaces just joined, for a new and for an existing user", async () => {
    const owner = await signUp();
    const first = await workspaceWithTrial(owner.token, "First");
    const second = await workspaceWithTrial(owner.token, "Second");
    const email = uniqueEmail("joiner");
    const used: string[] = [];
    const invite = async (workspaceId: string) => {
      await graphqlOk(INVITE, {
        token: owner.token,
        variables: {
          input: { firstName: "Jo", lastName: "Iner", email, workspaces: [{ workspaceId, role: "MEMBER" }] },
        },
      });
      // The new invitation's mail, not the one accepted before.
      const token = await invitationTokenFor(mailCatcherUrl(), email, { except: used });
      used.push(token);
      return token;
    };

    const joined = await graphqlOk<{ acceptInvitation: Answer }>(ACCEPT, {
      variables: { token: await invite(first), password: PASSWORD },
    });
    expect(joined.acceptInvitation.user.workspaceCount).toBe(1);
    await eventually(async () => ((await me(joined.acceptInvitation.token)).workspaceCount === 1 ? true : undefined));

    // An existing user accepting a second invitation: the answer counts both, never one twice.
    const again = await graphqlOk<{ acceptInvitation: Answer }>(ACCEPT, {
      variables: { token: await invite(second), password: PASSWORD },
    });
    expect(again.acceptInvitation.user).toEqual({ id: joined.acceptInvitation.user.id, workspaceCount: 2 });
    await eventually(async () => ((await me(again.acceptInvitation.token)).workspaceCount === 2 ? true : undefined));
    expect(await me(again.acceptInvitation.token)).toEqual(again.acceptInvitation.user);
  });

  test("before invitation.accepted has created the membership, the accepted invitation's seat counts", async () => {
    const owner = await signUp();
    const workspaceId = await workspaceWithTrial(owner.token, "Arriving");
    const email = uniqueEmail("arriving");
    const invited = await graphqlOk<{ inviteUser: { invitation: { id: string } } }>(INVITE, {
      token: owner.token,
      variables: {
        input: { firstName: "Ar", lastName: "Riving", email, workspaces: [{ workspaceId, role: "MEMBER" }] },
      },
    });
    const accepted = await graphqlOk<{ acceptInvitation: Answer }>(ACCEPT, {
      variables: { token: await invitationTokenFor(mailCatcherUrl(), email), password: PASSWORD },
    });
    const userId = accepted.acceptInvitation.user.id;
    await eventually(async () =>
      (await workspaceDb("SELECT 1 FROM membership WHERE user_id = $1", [userId])).length === 1 ? true : undefined,
    );
    // Put the workspace service back in the state it was in before the event: the seat row, no membership.
    await workspaceDb("DELETE FROM membership WHERE user_id = $1 AND workspace_id = $2", [userId, workspaceId]);
    await workspaceDb(
      `INSERT INTO pending_invitation (invitation_id, workspace_id, email, role, expires_at)
       VALUES ($1, $2, $3, 'MEMBER', now() + interval '7 days')`,
      [invited.inviteUser.invitation.id, workspaceId, email],
    );
    expect(await me(accepted.acceptInvitation.token)).toEqual({ id: userId, workspaceCount: 1 });
    // The owner's Users page counts it too; the owner's own count is unchanged.
    const users = await graphqlOk<{ users: { nodes: Array<{ id: string; workspaceCount: number }> } }>(
      `{ users { nodes { id workspaceCount } } }`,
      { token: owner.token },
    );
    expect(new Map(users.users.nodes.map((u) => [u.id, u.workspaceCount]))).toEqual(
      new Map([
        [owner.userId, 1],
        [userId, 1],
      ]),
    );
  });
});
