import { afterAll, describe, expect, test } from "@jest/globals";
import { invitationTokenFor, mailTo } from "@support/infra/mail-catcher";
import { createWorkspace, eventually, graphqlOk, mailCatcherUrl, signUp, uniqueEmail } from "../harness/stack.js";
import { identityQuery } from "../harness/identity.js";
import { invitePerson } from "../harness/people.js";
import { createTicket } from "../harness/ticketing.js";
import { setPlan } from "../harness/workspace.js";

// Issue 22: sending never blocks or fails the mutation that causes it; mail enqueued while the
// mail server is down goes out once it is back (docs/adr/0015). Exclusive: it stops the
// harness's SMTP listener, which every other suite's invitations go through.

const smtp = async (action: "stop" | "start") => {
  const response = await fetch(`${mailCatcherUrl()}/_catcher/smtp/${action}`, { method: "POST" });
  expect(response.status).toBe(200);
};

afterAll(async () => {
  await smtp("start");
});

describe("with the mail server down", () => {
  test("inviteUser still answers at once; the mail arrives after the server is back, and its token accepts", async () => {
    const owner = await signUp();
    const workspaceId = await createWorkspace(owner.token, "Outage");
    const email = uniqueEmail("patient");
    await smtp("stop");

    const startedAt = Date.now();
    const invited = await graphqlOk<{ inviteUser: { invitation: { id: string; status: string } } }>(
      `mutation($input: InviteUserInput!) { inviteUser(input: $input) { invitation { id status } } }`,
      {
        token: owner.token,
        variables: {
          input: { firstName: "Pat", lastName: "Ience", email, workspaces: [{ workspaceId, role: "MEMBER" }] },
        },
      },
    );
    // Not held up by SMTP's timeouts (10 s to connect): the send happens after the answer.
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(invited.inviteUser.invitation.status).toBe("PENDING");

    // The sender tried, failed, and keeps the mail for later (with its body: it is not sent yet).
    const failing = await eventually(
      async () => {
        const rows = await identityQuery<{ attempts: number; last_error: string | null; has_text: boolean }>(
          `SELECT attempts, last_error, text IS NOT NULL AS has_text FROM mail_outbox WHERE recipient = $1 AND sent_at IS NULL`,
          [email],
        );
        return rows[0]?.last_error ? rows[0] : undefined;
      },
      20_000,
      "a failed send attempt",
    );
    expect(failing.attempts).toBeGreaterThanOrEqual(1);
    expect(failing.has_text).toBe(true);
    expect(await mailTo(mailCatcherUrl(), email)).toEqual([]);

    await smtp("start");
    // Back-off after a short outage is a few seconds (1, 2, 4, … s, at most 5 minutes).
    const token = await invitationTokenFor(mailCatcherUrl(), email, { timeoutMs: 45_000 });
    expect(await mailTo(mailCatcherUrl(), email)).toHaveLength(1);
    const accepted = await graphqlOk<{ acceptInvitation: { user: { email: string } } }>(
      `mutation($t: String!) { acceptInvitation(token: $t, password: "a brand new password") { user { email } } }`,
      { variables: { t: token } },
    );
    expect(accepted.acceptInvitation.user.email).toBe(email);
  });
});

/** Assigns a ticket as `token`'s user: a TICKET_ASSIGNED notification, mailed by identity. */
const assignTicket = (token: string, ticketId: string, assigneeId: string) =>
  graphqlOk(`mutation($id: ID!, $i: AssignTicketInput!) { assignTicket(id: $id, input: $i) { id } }`, {
    token,
    variables: { id: ticketId, i: { assigneeId } },
  });

/** The unsent ticket notification mail queued for an address in identity's mail outbox. */
const unsentNotificationMail = (email: string) =>
  identityQuery<{ last_error: string | null; has_text: boolean; failed: boolean }>(
    `SELECT last_error, text IS NOT NULL AS has_text, failed_at IS NOT NULL AS failed
     FROM mail_outbox WHERE recipient = $1 AND subject LIKE 'Ticket %' AND sent_at IS NULL`,
    [email],
  );

describe("mail held back by the outage about a workspace someone has since left", () => {
  test("a ticket notification to a member removed before the server is back is withdrawn, unsent; one to a member who stayed arrives", async () => {
    const owner = await signUp();
    const workspaceId = await createWorkspace(owner.token, `Left during the outage ${Date.now()}`);
    await setPlan(owner, workspaceId, { seats: 5 });
    const [stays, leaves] = [
      await invitePerson(owner, [{ workspaceId, role: "AGENT" }]),
      await invitePerson(owner, [{ workspaceId, role: "AGENT" }]),
    ];
    const [kept, secret] = [
      await createTicket(owner.token, workspaceId, { title: "Assigned to the one who stays" }),
      await createTicket(owner.token, workspaceId, { title: "Merger plans, do not forward" }),
    ];
    await smtp("stop");

    await assignTicket(owner.token, kept.id, stays.userId);
    await assignTicket(owner.token, secret.id, leaves.userId);
    // Both notifications are queued, and tried against the stopped server.
    await eventually(
      async () => {
        const rows = [...(await unsentNotificationMail(stays.email)), ...(await unsentNotificationMail(leaves.email))];
        return rows.length === 2 && rows.every((row) => row.last_error) ? true : undefined;
      },
      30_000,
      "both notification mails queued and tried",
    );

    await graphqlOk(`mutation($w: ID!, $u: ID!) { removeMember(workspaceId: $w, userId: $u) }`, {
      token: owner.token,
      variables: { w: workspaceId, u: leaves.userId },
    });
    const withdrawn = await eventually(
      async () => {
        const [row] = await unsentNotificationMail(leaves.email);
        return row?.failed ? row : undefined;
      },
      30_000,
      "the removed member's mail withdrawn",
    );
    expect(withdrawn).toMatchObject({ has_text: false, last_error: "withdrawn: the recipient left the workspace" });

    await smtp("start");
    const arrived = await eventually(
      async () => (await mailTo(mailCatcherUrl(), stays.email)).find((mail) => mail.subject.startsWith("Ticket ")),
      60_000,
      "the staying member's notification",
    );
    expect(arrived.subject).toContain("was assigned to you");
    // The sender has caught up (the staying member's mail was queued at the same time): nothing
    // about the workspace reached the one who left, only their invitation.
    expect((await mailTo(mailCatcherUrl(), leaves.email)).map((mail) => mail.subject)).toEqual([
      expect.not.stringMatching(/^Ticket /),
    ]);
  }, 150_000);

  test("a queued ticket notification to someone whose account is suspended is withdrawn by the same mutation", async () => {
    const owner = await signUp();
    const workspaceId = await createWorkspace(owner.token, `Suspended during the outage ${Date.now()}`);
    const agent = await invitePerson(owner, [{ workspaceId, role: "AGENT" }]);
    const ticket = await createTicket(owner.token, workspaceId, { title: "Not for a suspended account" });
    await smtp("stop");
    await assignTicket(owner.token, ticket.id, agent.userId);
    const queued = () => unsentNotificationMail(agent.email);
    await eventually(async () => ((await queued())[0]?.last_error ? true : undefined), 30_000, "the mail tried");

    await graphqlOk(`mutation($id: ID!) { setUserStatus(id: $id, input: { status: SUSPENDED }) { status } }`, {
      token: owner.token,
      variables: { id: agent.userId },
    });
    // In the mutation's own transaction: withdrawn by the time it answered.
    expect(await queued()).toEqual([
      { last_error: "withdrawn: the recipient's account is no longer active", has_text: false, failed: true },
    ]);
  }, 120_000);
});
