import { readdirSync, readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, test } from "@jest/globals";
import { createEvent } from "@support/events";
import { invitationTokenFor, invitationTokenIn, mailTo, waitForMail } from "@support/infra/mail-catcher";
import {
  createWorkspace,
  errorCodes,
  eventually,
  graphql,
  graphqlOk,
  mailCatcherUrl,
  signUp,
  testStack,
  uniqueEmail,
  type SignedUpUser,
} from "../harness/stack.js";
import { identityQuery } from "../harness/identity.js";
import { createOrgMember } from "../harness/people.js";
import { auditQuery, disconnectProducer, readTopic, sendToTopic } from "../harness/audit.js";

// Issue 22: the invitation token goes to the invitee's mailbox, never to the inviter; ticket
// notifications are mailed once each (docs/adr/0015). Everything here goes through the harness's
// mail catcher, as a person reading their mail would.

const INVITE = `mutation($input: InviteUserInput!) { inviteUser(input: $input) { invitation { id email status } } }`;
const ACCEPT = `mutation($token: String!, $password: String!) {
  acceptInvitation(token: $token, password: $password) { token user { id email } }
}`;
const RESEND = `mutation($id: ID!) { resendInvitation(id: $id) { invitation { id status } } }`;
const REVOKE = `mutation($id: ID!) { revokeInvitation(id: $id) { id } }`;
const PASSWORD = "a brand new password";

const refusal = (result: Awaited<ReturnType<typeof graphql>>) => ({
  code: result.errors?.[0]?.extensions?.code,
  reason: result.errors?.[0]?.extensions?.reason,
});

async function invite(owner: SignedUpUser, workspaceId: string, email = uniqueEmail("invitee")) {
  const data = await graphqlOk<{ inviteUser: { invitation: { id: string; email: string; status: string } } }>(INVITE, {
    token: owner.token,
    variables: {
      input: { firstName: "Mia", lastName: "Mailbox", email, workspaces: [{ workspaceId, role: "MEMBER" }] },
    },
  });
  return { id: data.inviteUser.invitation.id, email };
}

afterAll(async () => {
  await disconnectProducer();
});

describe("invitations arrive by mail", () => {
  test("the invitee's mailbox gets the link and the token; accepting with it makes the mailbox's owner the user", async () => {
    const owner = await signUp({ organisationName: "Mailing Co" });
    const workspaceId = await createWorkspace(owner.token, "Mail");
    const { email } = await invite(owner, workspaceId);

    const mail = await waitForMail(mailCatcherUrl(), email, { matches: (m) => invitationTokenIn(m) !== null });
    const token = invitationTokenIn(mail) as string;
    const { APP_BASE_URL, MAIL_FROM } = testStack().mail.env;
    expect(mail.envelope.to).toEqual([email]);
    expect(mail.to).toEqual([email]);
    expect(mail.subject).toBe("Ada Lovelace invited you to join Mailing Co");
    // The link and the token as text, for an app that takes it typed in.
    expect(mail.text).toContain(`${APP_BASE_URL}/accept-invitation?token=${token}`);
    expect(mail.text.split("\n")).toContain(token);
    expect(MAIL_FROM).toContain(`<${mail.from}>`);
    // A stable Message-ID from the outbox row's id: a resend after a crash carries the same one.
    const [row] = await identityQuery<{ id: string }>(`SELECT id::text FROM mail_outbox WHERE recipient = $1`, [email]);
    expect(mail.messageId).toBe(`<${row?.id}@${mail.from?.split("@")[1]}>`);
    // Nothing went to the inviter.
    expect(await mailTo(mailCatcherUrl(), owner.email)).toEqual([]);

    const accepted = await graphqlOk<{ acceptInvitation: { token: string; user: { id: string; email: string } } }>(
      ACCEPT,
      { variables: { token, password: PASSWORD } },
    );
    expect(accepted.acceptInvitation.user.email).toBe(email);
    const me = await graphqlOk<{ me: { id: string; email: string } }>(`{ me { id email } }`, {
      token: accepted.acceptInvitation.token,
    });
    expect(me.me).toEqual({ id: accepted.acceptInvitation.user.id, email });
  });

  test("the inviter's answer holds no token: asking for it is a validation error, and nothing is sent", async () => {
    const owner = await signUp();
    const workspaceId = await createWorkspace(owner.token, "No token");
    const email = uniqueEmail("asked");
    const asked = await graphql(
      // schema-check: invalid on purpose (the token left the answer; asking for it is refused)
      `
        mutation ($input: InviteUserInput!) {
          inviteUser(input: $input) {
            token
            invitation {
              id
            }
          }
        }
      `,
      {
        token: owner.token,
        variables: {
          input: { firstName: "Al", lastName: "Asked", email, workspaces: [{ workspaceId, role: "MEMBER" }] },
        },
      },
    );
    expect(errorCodes(asked)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    expect(asked.errors?.[0]?.message).toContain('Cannot query field "token" on type "InviteUserPayload"');
    // Refused before it ran: no invitation, no mail.
    expect(await identityQuery(`SELECT 1 FROM invitation WHERE email = $1`, [email])).toEqual([]);

    const { id } = await invite(owner, workspaceId);
    const resent = await graphql(
      // schema-check: invalid on purpose (the token left the answer; asking for it is refused)
      `
        mutation ($id: ID!) {
          resendInvitation(id: $id) {
            token
          }
        }
      `,
      {
        token: owner.token,
        variables: { id },
      },
    );
    expect(errorCodes(resent)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
  });

  test("a used, a revoked and an expired token from the mail are refused", async () => {
    const owner = await signUp();
    const workspaceId = await createWorkspace(owner.token, "Refusals");
    const used = await invite(owner, workspaceId);
    const usedToken = await invitationTokenFor(mailCatcherUrl(), used.email);
    await graphqlOk(ACCEPT, { variables: { token: usedToken, password: PASSWORD } });
    expect(refusal(await graphql(ACCEPT, { variables: { token: usedToken, password: PASSWORD } }))).toEqual({
      code: "CONFLICT",
      reason: "INVITATION_ACCEPTED",
    });

    const revoked = await invite(owner, workspaceId);
    const revokedToken = await invitationTokenFor(mailCatcherUrl(), revoked.email);
    await graphqlOk(REVOKE, { token: owner.token, variables: { id: revoked.id } });
    expect(refusal(await graphql(ACCEPT, { variables: { token: revokedToken, password: PASSWORD } }))).toEqual({
      code: "CONFLICT",
      reason: "INVITATION_REVOKED",
    });

    const expired = await invite(owner, workspaceId);
    const expiredToken = await invitationTokenFor(mailCatcherUrl(), expired.email);
    await identityQuery(`UPDATE invitation SET expires_at = now() - interval '1 minute' WHERE id = $1`, [expired.id]);
    expect(refusal(await graphql(ACCEPT, { variables: { token: expiredToken, password: PASSWORD } }))).toEqual({
      code: "BAD_USER_INPUT",
      reason: "INVITATION_EXPIRED",
    });
  });

  test("resend mails a new token; the old one stops working, the new one accepts", async () => {
    const owner = await signUp();
    const workspaceId = await createWorkspace(owner.token, "Resend");
    const { id, email } = await invite(owner, workspaceId);
    const oldToken = await invitationTokenFor(mailCatcherUrl(), email);
    await graphqlOk(RESEND, { token: owner.token, variables: { id } });
    const newToken = await invitationTokenFor(mailCatcherUrl(), email, { except: [oldToken] });
    expect(newToken).not.toBe(oldToken);
    const mails = await mailTo(mailCatcherUrl(), email);
    expect(mails).toHaveLength(2);
    expect(new Set(mails.map((m) => m.messageId)).size).toBe(2);

    expect(refusal(await graphql(ACCEPT, { variables: { token: oldToken, password: PASSWORD } }))).toEqual({
      code: "NOT_FOUND",
      reason: "INVITATION_UNKNOWN",
    });
    const accepted = await graphqlOk<{ acceptInvitation: { user: { email: string } } }>(ACCEPT, {
      variables: { token: newToken, password: PASSWORD },
    });
    expect(accepted.acceptInvitation.user.email).toBe(email);
  });
});

describe("the token stays in the invitee's mailbox", () => {
  test("no Kafka message of identity.events, no identity log line, no activity entry and no sent outbox row holds it", async () => {
    const owner = await signUp();
    const workspaceId = await createWorkspace(owner.token, "Secrets");
    const { id, email } = await invite(owner, workspaceId);
    const token = await invitationTokenFor(mailCatcherUrl(), email);
    const accepted = await graphqlOk<{ acceptInvitation: { user: { id: string } } }>(ACCEPT, {
      variables: { token, password: PASSWORD },
    });

    // identity.events, read up to this invitation's acceptance: nothing carries the token.
    const messages = await readTopic("identity.events", (all) =>
      all.some((m) => m.value.includes('"invitation.accepted"') && m.value.includes(id)) ? all : undefined,
    );
    expect(messages.filter((m) => m.value.includes(id)).length).toBeGreaterThanOrEqual(2);
    expect(messages.filter((m) => m.value.includes(token) || JSON.stringify(m.headers).includes(token))).toEqual([]);

    // The activity log has both entries, neither with the token.
    await eventually(async () => {
      const rows = await auditQuery<{ n: string }>(
        `SELECT count(*)::text AS n FROM activity_entry WHERE target_id = $1`,
        [id],
      );
      return Number(rows[0]?.n) >= 2 ? true : undefined;
    });
    expect(
      await auditQuery(`SELECT 1 FROM activity_entry e WHERE e::text LIKE '%' || $1 || '%'`, [token.slice(4)]),
    ).toEqual([]);

    // The mail was marked sent and its body cleared: a database login finds no live token.
    await eventually(async () => {
      const rows = await identityQuery<{ text: string | null; sent: boolean }>(
        `SELECT text, sent_at IS NOT NULL AS sent FROM mail_outbox WHERE recipient = $1`,
        [email],
      );
      return rows.length === 1 && rows[0]?.sent && rows[0].text === null ? true : undefined;
    });
    expect(await identityQuery(`SELECT 1 FROM mail_outbox m WHERE m::text LIKE '%' || $1 || '%'`, [token])).toEqual([]);

    // Identity's own log (every instance's file): the acceptance is logged, the token never.
    const logDir = new URL(`../../.local/logs${testStack().databaseSuffix}/`, import.meta.url);
    const identityLogs = readdirSync(logDir)
      .filter((name) => name.startsWith("identity") && name.endsWith(".log"))
      .map((name) => readFileSync(new URL(name, logDir), "utf8"));
    expect(identityLogs.length).toBeGreaterThan(0);
    expect(identityLogs.join("\n")).toContain("mail sent");
    expect(identityLogs.filter((text) => text.includes(token) || text.includes(token.slice(4)))).toEqual([]);
    expect(accepted.acceptInvitation.user.id).toEqual(expect.any(String));
  });
});

/** A `notification.created` as ticketing publishes it, for `recipientUserId`. */
function notificationEvent(
  owner: SignedUpUser,
  workspaceId: string,
  recipientUserId: string,
  title: string,
  organisationId = owner.organisationId,
) {
  const ticketId = randomUUID();
  return createEvent({
    type: "notification.created",
    workspaceId,
    organisationId,
    actor: { type: "system" },
    target: { type: "ticket", id: ticketId, label: title },
    changes: [],
    data: {
      notificationId: randomUUID(),
      recipientUserId,
      kind: "SLA_BREACHED",
      ticketId,
      number: 42,
      title,
      dueAt: new Date(Date.now() - 60_000).toISOString(),
    },
  });
}

const publishToTicketing = (event: ReturnType<typeof notificationEvent>) =>
  sendToTopic("ticketing.events", [{ key: event.workspaceId ?? event.organisationId, value: JSON.stringify(event) }]);

describe("ticket notifications are mailed once", () => {
  test("a redelivered notification.created sends one mail, not two; other organisations' and inactive people get none", async () => {
    const owner = await signUp();
    const stranger = await signUp();
    const workspaceId = await createWorkspace(owner.token, "Notified");
    const title = `Printer on fire ${randomUUID().slice(0, 8)}`;
    const event = notificationEvent(owner, workspaceId, owner.userId, title);

    await publishToTicketing(event);
    const mail = await waitForMail(mailCatcherUrl(), owner.email, { matches: (m) => m.subject.includes(title) });
    expect(mail.subject).toBe(`Ticket #42 ${title} breached its SLA`);
    expect(mail.text).toContain(`/workspaces/${workspaceId}/tickets/${event.data.ticketId}`);
    expect(mail.headers["auto-submitted"]).toBe("auto-generated");

    // The same envelope again (a redelivery), then, behind it on the same partition, the hostile
    // ones: a recipient of another organisation than the event's, and a user no longer active.
    await publishToTicketing(event);
    const foreign = notificationEvent(owner, workspaceId, stranger.userId, `${title} foreign`);
    await publishToTicketing(foreign);
    await identityQuery(`UPDATE "user" SET status = 'DISABLED' WHERE id = $1`, [owner.userId]);
    await publishToTicketing(notificationEvent(owner, workspaceId, owner.userId, `${title} disabled`));
    // A last one, for someone active: once its mail is here, every event before it was applied.
    const markerTitle = `${title} marker`;
    const colleague = await createOrgMember(owner.organisationId);
    const colleagueEmail = colleague.email;
    await publishToTicketing(notificationEvent(owner, workspaceId, colleague.userId, markerTitle));
    await waitForMail(mailCatcherUrl(), colleagueEmail, { matches: (m) => m.subject.includes(markerTitle) });
    // Everything enqueued has gone out.
    await eventually(async () => {
      const unsent = await identityQuery(
        `SELECT 1 FROM mail_outbox WHERE sent_at IS NULL AND recipient = ANY($1::text[])`,
        [[owner.email, stranger.email, colleagueEmail]],
      );
      return unsent.length === 0 ? true : undefined;
    });

    const ownerMail = (await mailTo(mailCatcherUrl(), owner.email)).filter((m) => m.subject.includes(title));
    expect(ownerMail.map((m) => m.subject)).toEqual([`Ticket #42 ${title} breached its SLA`]);
    expect(await mailTo(mailCatcherUrl(), stranger.email)).toEqual([]);
    expect(
      await identityQuery(`SELECT dedupe_key FROM mail_outbox WHERE dedupe_key = $1`, [`notification:${event.id}`]),
    ).toHaveLength(1);
  });
});
