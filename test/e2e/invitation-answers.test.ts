import { randomUUID } from "node:crypto";
import { describe, expect, test } from "@jest/globals";
import { invitationTokenFor } from "@support/infra/mail-catcher";
import {
  createWorkspace,
  eventually,
  graphql,
  graphqlOk,
  mailCatcherUrl,
  signUp,
  uniqueEmail,
} from "../harness/stack.js";
import { identityQuery, seedInvitation } from "../harness/identity.js";
import { pendingInvitationsInWorkspace } from "../harness/billing.js";

// Issue 20: an invitation to a member is refused without taking a seat; a pending invitation can
// be sent again; used, expired, revoked and unknown tokens each get their own answer.

const INVITE = `mutation($input: InviteUserInput!) {
  inviteUser(input: $input) { invitation { id status expiresAt } }
}`;
const RESEND = `mutation($id: ID!) { resendInvitation(id: $id) { invitation { id email status expiresAt } } }`;
const ACCEPT = `mutation($token: String!, $password: String!) {
  acceptInvitation(token: $token, password: $password) { token user { id } }
}`;
const REVOKE = `mutation($id: ID!) { revokeInvitation(id: $id) { id status } }`;
const PASSWORD = "a brand new password";

interface Invited {
  invitation: { id: string; status: string; expiresAt: string };
}

const refusal = (result: Awaited<ReturnType<typeof graphql>>) => ({
  code: result.errors?.[0]?.extensions?.code,
  reason: result.errors?.[0]?.extensions?.reason,
});

async function workspaceWithTrial(token: string): Promise<string> {
  const workspaceId = await createWorkspace(token, `Invitations ${randomUUID().slice(0, 8)}`);
  // The trial's seats reach the workspace service from billing through events.
  await eventually(async () => {
    const data = await graphqlOk<{ workspace: { billing: { seats: number; pending: boolean } | null } }>(
      `query($id: ID!) { workspace(id: $id) { billing { seats pending } } }`,
      { token, variables: { id: workspaceId } },
    );
    return data.workspace.billing?.pending === false ? data.workspace.billing : undefined;
  });
  return workspaceId;
}

const invite = (token: string, workspaceId: string, email: string) =>
  graphql<{ inviteUser: Invited }>(INVITE, {
    token,
    variables: { input: { firstName: "In", lastName: "Vited", email, workspaces: [{ workspaceId, role: "MEMBER" }] } },
  });

describe("inviting someone who is already a member", () => {
  test("is CONFLICT (ALREADY_MEMBER) and takes no seat: the next real invitation still fits", async () => {
    const owner = await signUp();
    const workspaceId = await workspaceWithTrial(owner.token); // 3 seats, the owner holds one
    const memberEmail = uniqueEmail("member");
    expect((await invite(owner.token, workspaceId, memberEmail)).errors).toBeUndefined();
    const accepted = await graphqlOk<{ acceptInvitation: { token: string } }>(ACCEPT, {
      variables: { token: await invitationTokenFor(mailCatcherUrl(), memberEmail), password: PASSWORD },
    });
    await eventually(async () => {
      const data = await graphqlOk<{ workspaces: { nodes: Array<{ id: string }> } }>(
        `{ workspaces(first: 100) { nodes { id } } }`,
        {
          token: accepted.acceptInvitation.token,
        },
      );
      return data.workspaces.nodes.some((w) => w.id === workspaceId) || undefined;
    });

    const again = await invite(owner.token, workspaceId, memberEmail.toUpperCase());
    expect(refusal(again)).toEqual({ code: "CONFLICT", reason: "ALREADY_MEMBER" });
    expect(again.errors?.[0]?.message).toContain("already a member");
    // The owner invited into their own workspace: the same refusal.
    expect(refusal(await invite(owner.token, workspaceId, owner.email))).toEqual({
      code: "CONFLICT",
      reason: "ALREADY_MEMBER",
    });
    expect(await pendingInvitationsInWorkspace(workspaceId)).toBe(0);

    // Two members of three seats: one real invitation fits, the one after does not.
    const real = await invite(owner.token, workspaceId, uniqueEmail("real"));
    expect(real.errors).toBeUndefined();
    expect(refusal(await invite(owner.token, workspaceId, uniqueEmail("over")))).toMatchObject({ code: "PLAN_LIMIT" });
  });
});

describe("resendInvitation", () => {
  test("a second inviteUser points to resendInvitation; resending gives a new token and expiry, the old token stops working", async () => {
    const owner = await signUp();
    const workspaceId = await workspaceWithTrial(owner.token);
    const email = uniqueEmail("pending");
    const first = (await invite(owner.token, workspaceId, email)).data?.inviteUser as Invited;
    const firstToken = await invitationTokenFor(mailCatcherUrl(), email);

    const duplicate = await invite(owner.token, workspaceId, email);
    expect(refusal(duplicate)).toEqual({ code: "CONFLICT", reason: "INVITATION_PENDING" });
    expect(duplicate.errors?.[0]?.message).toContain("resendInvitation");

    // Make it expired, as seven days would: resending an expired invitation is the usual case.
    await identityQuery(`UPDATE invitation SET expires_at = now() - interval '1 minute' WHERE id = $1`, [
      first.invitation.id,
    ]);
    expect(refusal(await graphql(ACCEPT, { variables: { token: firstToken, password: PASSWORD } }))).toEqual({
      code: "BAD_USER_INPUT",
      reason: "INVITATION_EXPIRED",
    });

    const resent = await graphqlOk<{ resendInvitation: Invited & { invitation: { email: string } } }>(RESEND, {
      token: owner.token,
      variables: { id: first.invitation.id },
    });
    expect(resent.resendInvitation.invitation).toMatchObject({ id: first.invitation.id, email, status: "PENDING" });
    // A new mail with a new token.
    const resentToken = await invitationTokenFor(mailCatcherUrl(), email, { except: [firstToken] });
    expect(resentToken).toMatch(/^inv_/);
    expect(Date.parse(resent.resendInvitation.invitation.expiresAt)).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    // Its seat is held again, once.
    expect(await pendingInvitationsInWorkspace(workspaceId)).toBe(1);

    expect(refusal(await graphql(ACCEPT, { variables: { token: firstToken, password: PASSWORD } }))).toEqual({
      code: "NOT_FOUND",
      reason: "INVITATION_UNKNOWN",
    });
    await graphqlOk(ACCEPT, { variables: { token: resentToken, password: PASSWORD } });
    expect(refusal(await graphql(RESEND, { token: owner.token, variables: { id: first.invitation.id } }))).toEqual({
      code: "CONFLICT",
      reason: "INVITATION_ACCEPTED",
    });
  });

  test("another organisation's invitation or a malformed id is NOT_FOUND; anonymous callers are refused", async () => {
    const owner = await signUp();
    const stranger = await signUp();
    const theirs = await seedInvitation(stranger.organisationId);
    expect(refusal(await graphql(RESEND, { token: owner.token, variables: { id: theirs.id } })).code).toBe("NOT_FOUND");
    expect(refusal(await graphql(RESEND, { token: owner.token, variables: { id: "'; DROP TABLE x" } })).code).toBe(
      "NOT_FOUND",
    );
    expect(refusal(await graphql(RESEND, { variables: { id: theirs.id } })).code).toBe("UNAUTHENTICATED");
  });
});

describe("acceptInvitation tells used, revoked, expired and unknown tokens apart", () => {
  test("each has its own code and extensions.reason", async () => {
    const admin = await signUp();
    const used = await seedInvitation(admin.organisationId);
    await graphqlOk(ACCEPT, { variables: { token: used.token, password: PASSWORD } });
    const revoked = await seedInvitation(admin.organisationId);
    await graphqlOk(REVOKE, { token: admin.token, variables: { id: revoked.id } });
    const expired = await seedInvitation(admin.organisationId, { expiresAt: new Date(Date.now() - 1000) });

    const answer = async (token: string) => {
      const result = await graphql(ACCEPT, { variables: { token, password: PASSWORD } });
      return { ...refusal(result), message: result.errors?.[0]?.message };
    };
    expect(await answer(used.token)).toEqual({
      code: "CONFLICT",
      reason: "INVITATION_ACCEPTED",
      message: expect.stringContaining("already been accepted"),
    });
    expect(await answer(revoked.token)).toEqual({
      code: "CONFLICT",
      reason: "INVITATION_REVOKED",
      message: expect.stringContaining("revoked"),
    });
    expect(await answer(expired.token)).toEqual({
      code: "BAD_USER_INPUT",
      reason: "INVITATION_EXPIRED",
      message: expect.stringContaining("expired"),
    });
    expect(await answer(`inv_${randomUUID()}`)).toEqual({
      code: "NOT_FOUND",
      reason: "INVITATION_UNKNOWN",
      message: "Invitation not found",
    });
  });
});
