import { randomUUID } from "node:crypto";
import { describe, expect, test } from "@jest/globals";
import { invitationTokenFor } from "@support/infra/mail-catcher";
import {
  createWorkspace,
  errorCodes,
  eventually,
  graphql,
  graphqlOk,
  mailCatcherUrl,
  signUp,
  uniqueEmail,
} from "../harness/stack.js";
import { identityEvents } from "../harness/identity.js";

// Identity's flows that call the workspace service's internal endpoints (docs/adr/0004):
// /internal/permissions with seats, /internal/memberships/query and /internal/memberships/apply.
// They pass once the workspace side of ADR 0004 is merged.

const INVITE = `mutation($input: InviteUserInput!) {
  inviteUser(input: $input) { invitation { id email status orgRole workspaces { workspaceId role } } }
}`;
const ACCEPT = `mutation($token: String!, $password: String!) { acceptInvitation(token: $token, password: $password) { token user { id } } }`;
const USERS = `{ users { totalCount nodes { id } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id } }`;
const PASSWORD = "a brand new password";

interface Invited {
  inviteUser: { invitation: { id: string; email: string; status: string; orgRole: string } };
}

async function workspaceWithSeats(token: string, name: string): Promise<string> {
  const workspaceId = await createWorkspace(token, name);
  // Seats arrive from billing through events; invite once the trial's seats are known.
  await eventually(async () => {
    const data = await graphqlOk<{ workspace: { billing: { seats: number; pending: boolean } | null } }>(
      `query($id: ID!) { workspace(id: $id) { billing { seats pending } } }`,
      { token, variables: { id: workspaceId } },
    );
    return data.workspace.billing?.pending === false ? data.workspace.billing : undefined;
  });
  return workspaceId;
}

async function inviteAndAccept(
  token: string,
  workspaceId: string,
  role: "ADMIN" | "MEMBER" = "MEMBER",
): Promise<{ userId: string; token: string; email: string }> {
  const email = uniqueEmail("invitee");
  await graphqlOk<Invited>(INVITE, {
    token,
    variables: { input: { firstName: "In", lastName: "Vited", email, workspaces: [{ workspaceId, role }] } },
  });
  const accepted = await graphqlOk<{ acceptInvitation: { token: string; user: { id: string } } }>(ACCEPT, {
    variables: { token: await invitationTokenFor(mailCatcherUrl(), email), password: PASSWORD },
  });
  // The membership is created by workspace from invitation.accepted.
  await eventually(async () => {
    const data = await graphqlOk<{ workspaces: { nodes: Array<{ id: string }> } }>(
      `{ workspaces(first: 100) { nodes { id } } }`,
      {
        token: accepted.acceptInvitation.token,
      },
    );
    return data.workspaces.nodes.some((w) => w.id === workspaceId) ? true : undefined;
  });
  return { userId: accepted.acceptInvitation.user.id, token: accepted.acceptInvitation.token, email };
}

describe("inviteUser with the workspace service", () => {
  test("an org admin invites; the invitee accepts and joins the workspace; invitation.sent per workspace", async () => {
    const admin = await signUp();
    const workspaceId = await workspaceWithSeats(admin.token, "Invites");
    const email = uniqueEmail("invitee");
    const invited = await graphqlOk<Invited>(INVITE, {
      token: admin.token,
      variables: {
        input: { firstName: "Grace", lastName: "Hopper", email, workspaces: [{ workspaceId, role: "ADMIN" }] },
      },
    });
    const invitationToken = await invitationTokenFor(mailCatcherUrl(), email);
    expect(invitationToken).toMatch(/^inv_/);
    expect(invited.inviteUser.invitation).toMatchObject({ email, status: "PENDING", orgRole: "MEMBER" });
    const [sent] = (await identityEvents(invited.inviteUser.invitation.id)).filter((e) => e.type === "invitation.sent");
    expect(sent?.workspaceId).toBe(workspaceId);
    expect(sent?.data).toEqual({
      invitationId: invited.inviteUser.invitation.id,
      email,
      role: "ADMIN",
      customRoleId: null,
      expiresAt: expect.any(String),
    });

    const duplicate = await graphql(INVITE, {
      token: admin.token,
      variables: {
        input: {
          firstName: "G",
          lastName: "H",
          email: email.toUpperCase(),
          workspaces: [{ workspaceId, role: "MEMBER" }],
        },
      },
    });
    expect(errorCodes(duplicate)).toEqual(["CONFLICT"]);

    const accepted = await graphqlOk<{ acceptInvitation: { token: string } }>(ACCEPT, {
      variables: { token: invitationToken, password: PASSWORD },
    });
    await eventually(async () => {
      const data = await graphqlOk<{ workspaces: { nodes: Array<{ id: string }> } }>(
        `{ workspaces(first: 100) { nodes { id } } }`,
        {
          token: accepted.acceptInvitation.token,
        },
      );
      return data.workspaces.nodes.some((w) => w.id === workspaceId) ? true : undefined;
    });
  });

  test("seats: members plus pending invitations may not exceed the seats (PLAN_LIMIT names the count)", async () => {
    const admin = await signUp();
    const workspaceId = await workspaceWithSeats(admin.token, "Small team");
    const seats = (
      await graphqlOk<{ workspace: { billing: { seats: number } } }>(
        `query($id: ID!) { workspace(id: $id) { billing { seats } } }`,
        {
          token: admin.token,
          variables: { id: workspaceId },
        },
      )
    ).workspace.billing.seats;
    // The owner holds one seat.
    for (let i = 1; i < seats; i += 1) {
      await graphqlOk(INVITE, {
        token: admin.token,
        variables: {
          input: {
            firstName: "A",
            lastName: "B",
            email: uniqueEmail("seat"),
            workspaces: [{ workspaceId, role: "MEMBER" }],
          },
        },
      });
    }
    const over = await graphql(INVITE, {
      token: admin.token,
      variables: {
        input: {
          firstName: "A",
          lastName: "B",
          email: uniqueEmail("seat"),
          workspaces: [{ workspaceId, role: "MEMBER" }],
        },
      },
    });
    expect(errorCodes(over)).toEqual(["PLAN_LIMIT"]);
    expect(over.errors?.[0]?.message).toContain(`${seats} seats`);
  });

  test("another organisation's workspace, or an unknown one, is NOT_FOUND; nothing is written", async () => {
    const admin = await signUp();
    const stranger = await signUp();
    const theirs = await createWorkspace(stranger.token, "Theirs");
    for (const workspaceId of [theirs, randomUUID()]) {
      const result = await graphql(INVITE, {
        token: admin.token,
        variables: {
          input: { firstName: "A", lastName: "B", email: uniqueEmail(), workspaces: [{ workspaceId, role: "MEMBER" }] },
        },
      });
      expect(errorCodes(result)).toEqual(["NOT_FOUND"]);
    }
    expect(await graphqlOk(`{ invitations { nodes { id } } }`, { token: admin.token })).toEqual({
      invitations: { nodes: [] },
    });
  });

  test("a plain member cannot invite (no members:invite)", async () => {
    const admin = await signUp();
    const workspaceId = await workspaceWithSeats(admin.token, "Members only");
    const member = await inviteAndAccept(admin.token, workspaceId);
    const result = await graphql(INVITE, {
      token: member.token,
      variables: {
        input: { firstName: "A", lastName: "B", email: uniqueEmail(), workspaces: [{ workspaceId, role: "MEMBER" }] },
      },
    });
    expect(errorCodes(result)).toEqual(["FORBIDDEN"]);
  });
});

describe("the Users page for workspace admins and members", () => {
  test("a workspace admin sees the people of their workspaces only; a member is FORBIDDEN", async () => {
    const admin = await signUp();
    const first = await workspaceWithSeats(admin.token, "First");
    const second = await workspaceWithSeats(admin.token, "Second");
    const wsAdmin = await inviteAndAccept(admin.token, first, "ADMIN");
    const colleague = await inviteAndAccept(admin.token, first);
    const elsewhere = await inviteAndAccept(admin.token, second);

    const page = await graphqlOk<{ users: { nodes: Array<{ id: string }> } }>(USERS, { token: wsAdmin.token });
    const ids = page.users.nodes.map((u) => u.id);
    expect(ids).toEqual(expect.arrayContaining([wsAdmin.userId, colleague.userId]));
    expect(ids).not.toContain(elsewhere.userId);

    expect(errorCodes(await graphql(USERS, { token: colleague.token }))).toEqual(["FORBIDDEN"]);
    const all = await graphqlOk<{ users: { totalCount: number } }>(USERS, { token: admin.token });
    expect(all.users.totalCount).toBe(4);
  });
});

describe("updateUser and deleteUser with memberships", () => {
  test("an org admin adds a user to a workspace as ADMIN through updateUser", async () => {
    const admin = await signUp();
    const first = await workspaceWithSeats(admin.token, "First");
    const second = await workspaceWithSeats(admin.token, "Second");
    const member = await inviteAndAccept(admin.token, first);
    await graphqlOk(UPDATE, {
      token: admin.token,
      variables: { id: member.userId, input: { setWorkspaces: [{ workspaceId: second, role: "ADMIN" }] } },
    });
    const workspaces = await graphqlOk<{ workspaces: { nodes: Array<{ id: string }> } }>(
      `{ workspaces(first: 100) { nodes { id } } }`,
      {
        token: member.token,
      },
    );
    expect(workspaces.workspaces.nodes.map((w) => w.id)).toEqual(expect.arrayContaining([first, second]));
    // Nobody changes their own workspace roles.
    const own = await graphql(UPDATE, {
      token: member.token,
      variables: { id: member.userId, input: { removeWorkspaces: [first] } },
    });
    expect(errorCodes(own)).toEqual(["FORBIDDEN"]);
  });

  test("a workspace owner cannot be deleted; a member can, and their sessions end", async () => {
    const admin = await signUp();
    const workspaceId = await workspaceWithSeats(admin.token, "Owned");
    const member = await inviteAndAccept(admin.token, workspaceId);
    const otherAdmin = await inviteAndAccept(admin.token, workspaceId);
    await graphqlOk(`mutation($id: ID!) { setOrgRole(id: $id, input: { role: ORG_ADMIN }) { id } }`, {
      token: admin.token,
      variables: { id: otherAdmin.userId },
    });
    // The new org admin's session carries the role once the gateways have applied the
    // invalidation (within 1 s of setOrgRole's answer, docs/adr/0011): until then their request
    // is still a member's, FORBIDDEN. The owner is refused either way and never deleted.
    const ownerDeletion = await eventually(
      async () => {
        const answer = await graphql(
          `
            mutation ($id: ID!) {
              deleteUser(id: $id)
            }
          `,
          {
            token: otherAdmin.token,
            variables: { id: admin.userId },
          },
        );
        return errorCodes(answer).includes("FORBIDDEN") ? undefined : answer;
      },
      5_000,
      "the new org admin's role to reach the gateway",
    );
    expect(errorCodes(ownerDeletion)).toEqual(["CONFLICT"]);

    expect(
      await graphqlOk(`mutation($id: ID!) { deleteUser(id: $id) }`, {
        token: admin.token,
        variables: { id: member.userId },
      }),
    ).toEqual({ deleteUser: member.userId });
    expect(
      errorCodes(
        await graphql(
          `
            {
              me {
                id
              }
            }
          `,
          { token: member.token },
        ),
      ),
    ).toEqual(["UNAUTHENTICATED"]);
    const events = await identityEvents(member.userId);
    const [deleted] = events.filter((e) => e.type === "user.deleted");
    // One version past the user's last state (created at 1, never changed): no earlier event can undo it.
    const versions = events.filter((e) => e !== deleted).map((e) => e.data.aggregateVersion);
    expect(versions.filter((v) => v !== undefined)).toEqual([1]);
    expect(deleted?.data).toEqual({ userId: member.userId, aggregateVersion: 2 });
  });
});
