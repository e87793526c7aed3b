import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { createWorkspace, eventually, graphqlOk, mailCatcherUrl, signUp, type SignedUpUser } from "../harness/stack.js";
import { invitePerson, type Person } from "../harness/people.js";
import { startService, stopStartedServices } from "../harness/service-process.js";
import { createTicket, ticketingEvents, ticketingQuery } from "../harness/ticketing.js";
import { disconnectProducer, eventsIn, readTopic } from "../harness/audit.js";
import { mailTo, waitForMail } from "@support/infra/mail-catcher";

/**
 * Issue 22: an SLA warning and an SLA breach reach their recipient in-app exactly once, with two
 * ticketing instances claiming the same timers (the stack's own ticketing fires none:
 * SLA_TIMERS_ENABLED=false). The recipient is the policy's: the assignee, falling back to the
 * creator (SPEC section 4), and by mail exactly once (identity mails each notification.created).
 * Exclusive (test/harness/exclusive-suites.json): it starts instances.
 */
afterAll(async () => {
  await stopStartedServices();
  await disconnectProducer();
});

interface Listed {
  id: string;
  kind: string;
  dueAt: string | null;
  title: string;
  ticket: { id: string } | null;
}

const LIST = `{ notifications(first: 50) { nodes { id kind dueAt title ticket { id } } totalCount } }`;

const notificationsOf = async (token: string, ticketId: string): Promise<Listed[]> =>
  (await graphqlOk<{ notifications: { nodes: Listed[] } }>(LIST, { token })).notifications.nodes.filter(
    (n) => n.ticket?.id === ticketId,
  );

let owner: SignedUpUser;
let agent: Person;
let workspaceId: string;

beforeAll(async () => {
  owner = await signUp({ organisationName: "SLA Notified" });
  workspaceId = await createWorkspace(owner.token, `SLA notifications ${Date.now()}`);
  agent = await invitePerson(owner, [{ workspaceId, role: "MEMBER" }]);
  // Warned 4 s after opening, due after 9 s.
  await graphqlOk(`mutation($w: ID!, $i: SlaPolicyInput!) { updateSlaPolicy(workspaceId: $w, input: $i) { hours } }`, {
    token: owner.token,
    variables: { w: workspaceId, i: { hours: 9 / 3600, warningLeadMinutes: 5 / 60 } },
  });
  await Promise.all(
    [1, 2].map(() => startService("ticketing", { SLA_TIMERS_ENABLED: "true", SLA_TIMER_INTERVAL_MS: "50" })),
  );
}, 120_000);

describe("SLA notifications with two instances firing timers", () => {
  test("the warning and the breach each reach the assignee once (else the creator), with their events on ticketing.events", async () => {
    const assigned = await createTicket(owner.token, workspaceId, { title: "Due soon", assigneeId: agent.userId });
    const unassigned = await createTicket(owner.token, workspaceId, { title: "Nobody's" });
    const [due] = await ticketingQuery<{ due: Date }>(`SELECT sla_due_at AS due FROM ticket WHERE id = $1`, [
      assigned.id,
    ]);

    const warned = await eventually(
      async () => {
        const told = await notificationsOf(agent.token, assigned.id);
        return told.some((n) => n.kind === "SLA_WARNING") ? told : undefined;
      },
      30_000,
      "the warning in the assignee's list",
    );
    expect(warned.find((n) => n.kind === "SLA_WARNING")).toMatchObject({
      title: "Due soon",
      dueAt: due?.due.toISOString(),
    });
    const kindsOf = async (token: string, ticketId: string) =>
      (await notificationsOf(token, ticketId)).map((n) => n.kind).sort();
    await eventually(
      async () =>
        (await kindsOf(agent.token, assigned.id)).includes("SLA_BREACHED") &&
        (await kindsOf(owner.token, unassigned.id)).includes("SLA_BREACHED")
          ? true
          : undefined,
      30_000,
      "both breaches",
    );
    // Proof that later rounds ran on both instances (and told nobody twice): a ticket due at once.
    await graphqlOk(`mutation($w: ID!) { updateSlaPolicy(workspaceId: $w, input: { hours: 0.0001 }) { hours } }`, {
      token: owner.token,
      variables: { w: workspaceId },
    });
    const probe = await createTicket(owner.token, workspaceId, { title: "Probe" });
    await eventually(
      async () => ((await kindsOf(owner.token, probe.id)).includes("SLA_BREACHED") ? true : undefined),
      30_000,
      "the probe's breach",
    );

    expect(await kindsOf(agent.token, assigned.id)).toEqual(["SLA_BREACHED", "SLA_WARNING", "TICKET_ASSIGNED"]);
    // The creator is the fallback; the owner was told nothing of the agent's ticket.
    expect(await kindsOf(owner.token, unassigned.id)).toEqual(["SLA_BREACHED", "SLA_WARNING"]);
    expect(await kindsOf(owner.token, assigned.id)).toEqual([]);

    // One notification.created per notification, naming the recipient; the breach names it too.
    const events = await ticketingEvents(assigned.id);
    const created = events.filter((e) => e.type === "notification.created").map((e) => e.data);
    expect(created.map((d) => [d.kind, d.recipientUserId]).sort()).toEqual([
      ["SLA_BREACHED", agent.userId],
      ["SLA_WARNING", agent.userId],
      ["TICKET_ASSIGNED", agent.userId],
    ]);
    expect(created.find((d) => d.kind === "SLA_WARNING")).toMatchObject({ dueAt: due?.due.toISOString() });
    expect(events.filter((e) => e.type === "sla.breached").map((e) => e.data.recipientUserId)).toEqual([agent.userId]);
    expect(events.filter((e) => e.type === "sla.warning").map((e) => e.data.recipientUserId)).toEqual([agent.userId]);

    const warningId = (await notificationsOf(agent.token, assigned.id)).find((n) => n.kind === "SLA_WARNING")?.id;
    const onTopic = await readTopic("ticketing.events", (messages) =>
      eventsIn(messages).find((e) => e.type === "notification.created" && e.data.notificationId === warningId),
    );
    expect(onTopic.data).toMatchObject({ recipientUserId: agent.userId, kind: "SLA_WARNING", ticketId: assigned.id });

    // By mail too, once each: the warning and the breach to the assignee, the breach of the
    // unassigned ticket to its creator. The probe's breach mail arriving last proves the mail of
    // every earlier notification had its chance to be sent twice.
    const subjectOf = (number: number, title: string, what: string) => `Ticket #${number} ${title} ${what}`;
    await waitForMail(mailCatcherUrl(), owner.email, {
      matches: (m) => m.subject === subjectOf(probe.number, "Probe", "breached its SLA"),
      what: "the probe's breach mail",
    });
    const agentMail = (await mailTo(mailCatcherUrl(), agent.email)).map((m) => m.subject);
    expect(agentMail.filter((s) => s === subjectOf(assigned.number, "Due soon", "is close to its SLA"))).toHaveLength(
      1,
    );
    expect(agentMail.filter((s) => s === subjectOf(assigned.number, "Due soon", "breached its SLA"))).toHaveLength(1);
    expect(agentMail.filter((s) => s === subjectOf(assigned.number, "Due soon", "was assigned to you"))).toHaveLength(
      1,
    );
    const ownerMail = (await mailTo(mailCatcherUrl(), owner.email)).map((m) => m.subject);
    expect(ownerMail.filter((s) => s.startsWith(`Ticket #${assigned.number} `))).toEqual([]);
    expect(ownerMail.filter((s) => s === subjectOf(unassigned.number, "Nobody's", "breached its SLA"))).toHaveLength(1);
    expect(ownerMail.filter((s) => s === subjectOf(unassigned.number, "Nobody's", "is close to its SLA"))).toHaveLength(
      1,
    );
  }, 180_000);
});
