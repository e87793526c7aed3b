import { randomUUID } from "node:crypto";
import { describe, expect, test } from "@jest/globals";
import { errorCodes, graphql, graphqlOk, signUp, uniqueEmail } from "../harness/stack.js";
import { identityEvents, seedInvitation, seedPerson } from "../harness/identity.js";

// Invitations created through inviteUser need the workspace service's seats answer (ADR 0004);
// that path is in identity-workspace-integration.test.ts. Here: validation, acceptance,
// revocation and listing, on invitations seeded into identity's database.

const INVITE = `mutation($input: InviteUserInput!) { inviteUser(input: $input) { invitation { id } } }`;
const INVITATIONS = `query($status: InvitationStatus) { invitations(status: $status, first: 100) { nodes { id email status orgRole workspaces { workspaceId role } invitedBy { id } } } }`;
const ACCEPT = `mutation($token: String!, $password: String!, $firstName: String) {
  acceptInvitation(token: $token, password: $password, firstName: $firstName) { token user { id firstName orgRole email organisation { id } } }
}`;
const REVOKE = `mutation($id: ID!) { revokeInvitation(id: $id) { id status } }`;

interface InvitationRow {
  id: string;
  email: string;
  status: string;
  orgRole: string;
  workspaces: Array<{ workspaceId: string; role: string }>;
  invitedBy: { id: string } | null;
}

const listInvitations = async (token: string) =>
  (await graphqlOk<{ invitations: { nodes: InvitationRow[] } }>(INVITATIONS, { token })).invitations.nodes;

describe("inviteUser input validation writes nothing", () => {
  const base = () => ({
    firstName: "Grace",
    lastName: "Hopper",
    email: uniqueEmail("invitee"),
    workspaces: [{ workspaceId: randomUUID(), role: "MEMBER" }],
  });

  test("no workspace, malformed email, blank names and repeated workspaces are BAD_USER_INPUT", async () => {
    const admin = await signUp();
    const before = await listInvitations(admin.token);
    const noWorkspace = await graphql(INVITE, {
      token: admin.token,
      variables: { input: { ...base(), workspaces: [] } },
    });
    expect(errorCodes(noWorkspace)).toEqual(["BAD_USER_INPUT"]);
    expect(noWorkspace.errors?.[0]?.message).toContain("at least one workspace is required");

    const badEmail = await graphql(INVITE, {
      token: admin.token,
      variables: { input: { ...base(), email: "grace@" } },
    });
    expect(errorCodes(badEmail)).toEqual(["BAD_USER_INPUT"]);
    expect(badEmail.errors?.[0]?.message).toContain("email");

    const blank = await graphql(INVITE, { token: admin.token, variables: { input: { ...base(), firstName: "" } } });
    expect(errorCodes(blank)).toEqual(["BAD_USER_INPUT"]);

    const workspace = { workspaceId: randomUUID(), role: "MEMBER" };
    const repeated = await graphql(INVITE, {
      token: admin.token,
      variables: { input: { ...base(), workspaces: [workspace, workspace] } },
    });
    expect(errorCodes(repeated)).toEqual(["BAD_USER_INPUT"]);

    const badRole = await graphql(INVITE, {
      token: admin.token,
      variables: { input: { ...base(), workspaces: [{ workspaceId: randomUUID(), role: "OWNER" }] } },
    });
    expect(errorCodes(badRole)).toEqual(["BAD_USER_INPUT"]);

    expect(await listInvitations(admin.token)).toEqual(before);
  });

  test("an org role from a non-admin is FORBIDDEN; anonymous is UNAUTHENTICATED", async () => {
    const admin = await signUp();
    const member = await seedPerson(admin.organisationId);
    const result = await graphql(INVITE, {
      token: member.token,
      variables: { input: { ...base(), orgRole: "ORG_ADMIN" } },
    });
    expect(errorCodes(result)).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await graphql(INVITE, { variables: { input: base() } }))).toEqual(["UNAUTHENTICATED"]);
    expect(await listInvitations(admin.token)).toEqual([]);
  });

  test("an email with an account in another organisation is a CONFLICT", async () => {
    const admin = await signUp();
    const other = await signUp();
    const result = await graphql(INVITE, {
      token: admin.token,
      variables: { input: { ...base(), email: other.email } },
    });
    expect(errorCodes(result)).toEqual(["CONFLICT"]);
  });
});

describe("acceptInvitation", () => {
  test("a new email becomes an ACTIVE user with the invitation's org role, signed in; events per workspace", async () => {
    const admin = await signUp();
    const workspaceIds = [randomUUID(), randomUUID()];
    const invitation = await seedInvitation(admin.organisationId, {
      orgRole: "ORG_ADMIN",
      workspaceIds,
      invitedById: admin.userId,
    });
    const listed = await listInvitations(admin.token);
    expect(listed).toEqual([
      expect.objectContaining({
        id: invitation.id,
        status: "PENDING",
        orgRole: "ORG_ADMIN",
        invitedBy: { id: admin.userId },
      }),
    ]);

    const accepted = await graphqlOk<{
      acceptInvitation: {
        token: string;
        user: { id: string; firstName: string; orgRole: string; email: string; organisation: { id: string } };
      };
    }>(ACCEPT, { variables: { token: invitation.token, password: "a brand new password", firstName: "Grace" } });
    const user = accepted.acceptInvitation.user;
    expect(user).toEqual({
      id: expect.any(String),
      firstName: "Grace",
      orgRole: "ORG_ADMIN",
      email: invitation.email,
      organisation: { id: admin.organisationId },
    });
    const me = await graphqlOk<{ me: { id: string } }>(`{ me { id } }`, { token: accepted.acceptInvitation.token });
    expect(me.me.id).toBe(user.id);

    expect((await listInvitations(admin.token))[0]?.status).toBe("ACCEPTED");
    const invitationEvents = (await identityEvents(invitation.id)).filter((e) => e.type === "invitation.accepted");
    expect(invitationEvents.map((e) => e.workspaceId).sort()).toEqual([...workspaceIds].sort());
    expect(invitationEvents[0]?.data).toEqual({
      invitationId: invitation.id,
      userId: user.id,
      role: "MEMBER",
      customRoleId: null,
    });
    const created = (await identityEvents(user.id)).find((e) => e.type === "user.created");
    expect(created?.data).toEqual({
      userId: user.id,
      orgRole: "ORG_ADMIN",
      status: "ACTIVE",
      email: invitation.email,
      firstName: "Grace",
      lastName: "Person",
      aggregateVersion: 1,
    });

    // The token is spent, and the answer says so.
    const again = await graphql(ACCEPT, { variables: { token: invitation.token, password: "a brand new password" } });
    expect(errorCodes(again)).toEqual(["CONFLICT"]);
    expect(again.errors?.[0]?.extensions?.reason).toBe("INVITATION_ACCEPTED");
  });

  test("an existing user of the organisation is linked with their own password", async () => {
    const admin = await signUp();
    const member = await seedPerson(admin.organisationId);
    const invitation = await seedInvitation(admin.organisationId, { email: member.email });
    const wrong = await graphql(ACCEPT, { variables: { token: invitation.token, password: "not their password" } });
    expect(errorCodes(wrong)).toEqual(["UNAUTHENTICATED"]);
    const accepted = await graphqlOk<{ acceptInvitation: { user: { id: string } } }>(ACCEPT, {
      variables: { token: invitation.token, password: "seeded password 123" },
    });
    expect(accepted.acceptInvitation.user.id).toBe(member.userId);
    expect((await identityEvents(member.userId)).some((e) => e.type === "user.created")).toBe(false);
  });

  test("expired invitations are refused with BAD_USER_INPUT (INVITATION_EXPIRED); unknown tokens are NOT_FOUND; weak passwords BAD_USER_INPUT", async () => {
    const admin = await signUp();
    const expired = await seedInvitation(admin.organisationId, { expiresAt: new Date(Date.now() - 1000) });
    const result = await graphql(ACCEPT, { variables: { token: expired.token, password: "a brand new password" } });
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.message).toContain("expired");
    expect(result.errors?.[0]?.extensions).toMatchObject({ field: "token", reason: "INVITATION_EXPIRED" });
    expect((await listInvitations(admin.token))[0]?.status).toBe("EXPIRED");

    expect(
      errorCodes(await graphql(ACCEPT, { variables: { token: "inv_nothing", password: "a brand new password" } })),
    ).toEqual(["NOT_FOUND"]);
    const pending = await seedInvitation(admin.organisationId);
    expect(errorCodes(await graphql(ACCEPT, { variables: { token: pending.token, password: "short" } }))).toEqual([
      "BAD_USER_INPUT",
    ]);
    expect(
      (
        await graphqlOk<{ invitations: { nodes: InvitationRow[] } }>(INVITATIONS, {
          token: admin.token,
          variables: { status: "PENDING" },
        })
      ).invitations.nodes.map((i) => i.id),
    ).toEqual([pending.id]);
  });
});

describe("revokeInvitation and invitations", () => {
  test("an org admin revokes; the token no longer works (CONFLICT, revoked); events per workspace", async () => {
    const admin = await signUp();
    const invitation = await seedInvitation(admin.organisationId, { workspaceIds: [randomUUID(), randomUUID()] });
    expect(await graphqlOk(REVOKE, { token: admin.token, variables: { id: invitation.id } })).toEqual({
      revokeInvitation: { id: invitation.id, status: "REVOKED" },
    });
    expect(errorCodes(await graphql(REVOKE, { token: admin.token, variables: { id: invitation.id } }))).toEqual([
      "CONFLICT",
    ]);
    expect(
      errorCodes(await graphql(ACCEPT, { variables: { token: invitation.token, password: "a brand new password" } })),
    ).toEqual(["CONFLICT"]);
    const events = (await identityEvents(invitation.id)).filter((e) => e.type === "invitation.revoked");
    expect(events.map((e) => e.workspaceId).sort()).toEqual([...invitation.workspaceIds].sort());
    expect(events[0]?.data).toEqual({ invitationId: invitation.id });
    expect(events[0]?.changes).toEqual([{ field: "status", old: "PENDING", new: "REVOKED" }]);
  });

  test("another organisation's invitation is NOT_FOUND and never listed", async () => {
    const admin = await signUp();
    const stranger = await signUp();
    const theirs = await seedInvitation(stranger.organisationId);
    expect(errorCodes(await graphql(REVOKE, { token: admin.token, variables: { id: theirs.id } }))).toEqual([
      "NOT_FOUND",
    ]);
    expect(errorCodes(await graphql(REVOKE, { token: admin.token, variables: { id: "not-a-uuid" } }))).toEqual([
      "NOT_FOUND",
    ]);
    expect(await listInvitations(admin.token)).toEqual([]);
    expect((await listInvitations(stranger.token)).map((i) => i.id)).toEqual([theirs.id]);
  });
});
