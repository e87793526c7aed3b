import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { EVENT_REGISTRY, createEvent, type EventEnvelope, type EventType, type NewEvent } from "@support/events";
import { auditQuery, disconnectProducer, outboxEventsOfOrganisation, sendToTopic } from "../harness/audit.js";
import { createOrgMember, invitePerson, type Person } from "../harness/people.js";
import {
  createWorkspace,
  eventually,
  graphql,
  graphqlOk,
  mailCatcherUrl,
  signUp,
  type SignedUpUser,
} from "../harness/stack.js";
import { waitForMail } from "@support/infra/mail-catcher";
import { billingEventually, subscribe } from "../harness/billing.js";

/**
 * Issue 11: every event type of the typed registry reaches the activity log with its actor (API
 * keys by prefix only), its target label and its old -> new values. Driven through the real
 * services; the few types no service can be made to publish here (SLA timers are off in the
 * harness stack, Stripe-only billing states, workspace deletion) are published straight to their
 * producer's topic, exactly as that producer would.
 */

let owner: SignedUpUser;
let workspaceId: string;
let apiKeySecret = "";
const driven = new Set<string>();

const ok = <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}, token = owner.token) =>
  graphqlOk<T>(query, { token, variables });

interface EntryRow {
  event_id: string;
  action: string;
  category: string;
  actor_type: string;
  actor_id: string | null;
  actor_label: string | null;
  target_type: string;
  target_id: string;
  target_label: string | null;
  changes: unknown;
}

/** A valid `data` for the types published directly (checked by createEvent against the registry). */
function directEvents(organisationId: string, workspace: string, userId: string): NewEvent[] {
  const ticketId = randomUUID();
  const now = new Date().toISOString();
  const base = { workspaceId: workspace, organisationId };
  const events: Record<string, NewEvent> = {
    "sla.warning": {
      ...base,
      type: "sla.warning",
      actor: { type: "system" },
      target: { type: "ticket", id: ticketId, label: "Printer on fire" },
      changes: [{ field: "slaWarnedAt", old: null, new: now }],
      data: { ticketId, number: 7, dueAt: now, recipientUserId: userId },
    } as NewEvent,
    "sla.breached": {
      ...base,
      type: "sla.breached",
      actor: { type: "system" },
      target: { type: "ticket", id: ticketId, label: "Printer on fire" },
      changes: [{ field: "slaBreachedAt", old: null, new: now }],
      data: { ticketId, number: 7, dueAt: now, breachedAt: now },
    } as NewEvent,
    // Needs a second paid subscription at Stripe (test/e2e/billing-hostile-webhooks.test.ts drives it).
    "billing.duplicate_subscription_canceled": {
      ...base,
      type: "billing.duplicate_subscription_canceled",
      actor: { type: "system" },
      target: { type: "billing_account", id: workspace, label: null },
      changes: [],
      data: { plan: "PRO", seats: 5 },
    } as NewEvent,
  };
  // Another (made-up) workspace of the organisation: billing and the others really act on deletions.
  const deletedId = randomUUID();
  events["workspace.deleted"] = {
    workspaceId: deletedId,
    organisationId,
    type: "workspace.deleted",
    actor: { type: "user", id: userId },
    target: { type: "workspace", id: deletedId, label: "Old workspace" },
    changes: [],
    data: {},
  } as NewEvent;
  return Object.values(events);
}

beforeAll(async () => {
  owner = await signUp();
  workspaceId = await createWorkspace(owner.token, `Audited ${Date.now()}`);
  // Through Stripe's checkout on the stand-in: the webhooks drive billing's status and period events.
  await billingEventually(owner.token, workspaceId, (b) => b.status === "TRIALING", "the trial to open");
  await subscribe(owner.token, workspaceId, "UNLIMITED", 30);
}, 120_000);

afterAll(async () => {
  await disconnectProducer();
});

describe("coverage of the typed event registry", () => {
  test("every registry type reaches the log with its actor, target label and old -> new values", async () => {
    const w = workspaceId;
    await ok(`mutation($w: ID!) { updateWorkspace(id: $w, input: { name: "Audited, renamed" }) { id } }`, { w });
    await ok(
      `mutation($w: ID!) { updateWorkspaceSettings(id: $w, input: { membersCanExportData: true }) { membersCanExportData } }`,
      { w },
    );
    const agent: Person = await invitePerson(owner, [{ workspaceId: w, role: "MEMBER" }]);
    const revoked = await ok<{ inviteUser: { invitation: { id: string } } }>(
      `mutation($input: InviteUserInput!) { inviteUser(input: $input) { invitation { id } } }`,
      {
        input: {
          firstName: "Never",
          lastName: "Joins",
          email: `never-${randomUUID()}@example.com`,
          workspaces: [{ workspaceId: w, role: "MEMBER" }],
        },
      },
    );
    await ok(`mutation($id: ID!) { revokeInvitation(id: $id) { id } }`, { id: revoked.inviteUser.invitation.id });

    const role = await ok<{ createRole: { id: string } }>(
      `mutation($w: ID!) { createRole(workspaceId: $w, input: { name: "Triage", permissions: ["tickets:list"] }) { id } }`,
      { w },
    );
    const roleId = role.createRole.id;
    await ok(`mutation($id: ID!) { updateRole(id: $id, input: { name: "Triage desk" }) { id } }`, { id: roleId });
    await ok(
      `mutation($w: ID!, $u: ID!, $r: ID) { setMemberRole(workspaceId: $w, userId: $u, input: { customRoleId: $r }) { role } }`,
      {
        w,
        u: agent.userId,
        r: roleId,
      },
    );
    await ok(
      `mutation($w: ID!, $u: ID!) { setMemberRole(workspaceId: $w, userId: $u, input: { role: MEMBER }) { role } }`,
      {
        w,
        u: agent.userId,
      },
    );
    await ok(`mutation($id: ID!) { deleteRole(id: $id) }`, { id: roleId });
    await ok(
      `mutation($w: ID!, $u: [ID!]!) { setMemberPermissions(workspaceId: $w, userIds: $u, input: { grant: ["teams:create"] }) { role } }`,
      { w, u: [agent.userId] },
    );

    const team = await ok<{ createTeam: { id: string } }>(
      `mutation($w: ID!) { createTeam(workspaceId: $w, input: { name: "Night shift" }) { id } }`,
      { w },
    );
    await ok(`mutation($id: ID!) { updateTeam(id: $id, input: { description: "22:00 to 06:00" }) { id } }`, {
      id: team.createTeam.id,
    });
    await ok(`mutation($id: ID!) { deleteTeam(id: $id) }`, { id: team.createTeam.id });

    const joiner = await createOrgMember(owner.organisationId);
    const request = await ok<{ requestToJoin: { id: string } }>(
      `mutation($w: ID!) { requestToJoin(workspaceId: $w) { id } }`,
      { w },
      joiner.token,
    );
    await ok(`mutation($id: ID!) { approveJoinRequest(id: $id, input: { role: MEMBER }) { id } }`, {
      id: request.requestToJoin.id,
    });
    const refused = await createOrgMember(owner.organisationId);
    const refusedRequest = await ok<{ requestToJoin: { id: string } }>(
      `mutation($w: ID!) { requestToJoin(workspaceId: $w) { id } }`,
      { w },
      refused.token,
    );
    await ok(`mutation($id: ID!) { rejectJoinRequest(id: $id) { id } }`, { id: refusedRequest.requestToJoin.id });
    await ok(`mutation($u: ID!) { updateUser(id: $u, input: { firstName: "Gracie" }) { id } }`, {
      u: joiner.userId,
    });
    await ok(`mutation($u: ID!) { setOrgRole(id: $u, input: { role: ORG_ADMIN }) { id } }`, { u: refused.userId });
    await ok(`mutation($u: ID!) { setUserStatus(id: $u, input: { status: DISABLED }) { id } }`, { u: refused.userId });
    await ok(`mutation($u: ID!) { deleteUser(id: $u) }`, { u: refused.userId });
    await ok(`mutation($w: ID!, $u: ID!) { removeMember(workspaceId: $w, userId: $u) }`, { w, u: joiner.userId });

    const key = await ok<{ createApiKey: { key: string; apiKey: { id: string } } }>(
      `mutation($w: ID!) { createApiKey(workspaceId: $w, name: "drafter", permissions: ["tickets:list", "tickets:view", "tickets:respond"]) { key apiKey { id } } }`,
      { w },
    );
    const rotated = await ok<{ rotateApiKey: { key: string } }>(
      `mutation($id: ID!) { rotateApiKey(id: $id) { key } }`,
      { id: key.createApiKey.apiKey.id },
    );
    apiKeySecret = rotated.rotateApiKey.key;

    const field = await ok<{ createTicketField: { id: string } }>(
      `mutation($w: ID!) { createTicketField(workspaceId: $w, input: { name: "Order", type: TEXT }) { id } }`,
      { w },
    );
    await ok(`mutation($id: ID!) { updateTicketField(id: $id, input: { name: "Order no." }) { id } }`, {
      id: field.createTicketField.id,
    });
    const ticket = await ok<{ createTicket: { id: string } }>(
      `mutation($w: ID!) { createTicket(workspaceId: $w, input: { title: "Printer on fire" }) { id } }`,
      { w },
    );
    const t = ticket.createTicket.id;
    await ok(`mutation($id: ID!) { updateTicket(id: $id, input: { title: "Printer still on fire" }) { id } }`, {
      id: t,
    });
    await ok(`mutation($id: ID!) { changeTicketStatus(id: $id, input: { status: PENDING }) { id } }`, { id: t });
    await ok(`mutation($id: ID!) { changeTicketPriority(id: $id, input: { priority: URGENT }) { id } }`, { id: t });
    await ok(`mutation($id: ID!, $u: ID) { assignTicket(id: $id, input: { assigneeId: $u }) { id } }`, {
      id: t,
      u: agent.userId,
    });
    await ok(`mutation($id: ID!) { addTicketReply(ticketId: $id, input: { body: "On it" }) { id } }`, { id: t });
    const draft = await ok<{ addTicketReply: { id: string } }>(
      `mutation($id: ID!) { addTicketReply(ticketId: $id, input: { body: "Automated answer" }) { id } }`,
      { id: t },
      apiKeySecret,
    );
    await ok(`mutation($id: ID!) { approveReply(id: $id) { id } }`, { id: draft.addTicketReply.id });
    const second = await ok<{ addTicketReply: { id: string } }>(
      `mutation($id: ID!) { addTicketReply(ticketId: $id, input: { body: "Spam?" }) { id } }`,
      { id: t },
      apiKeySecret,
    );
    await ok(`mutation($id: ID!) { rejectReply(id: $id, input: { reason: "Off topic" }) { id } }`, {
      id: second.addTicketReply.id,
    });
    await ok(`mutation($id: ID!) { deleteTicketField(id: $id) }`, { id: field.createTicketField.id });
    await ok(`mutation($id: ID!) { deleteTicket(id: $id) }`, { id: t });
    await ok(`mutation($w: ID!) { updateSlaPolicy(workspaceId: $w, input: { hours: 4 }) { hours } }`, { w });
    await ok(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: key.createApiKey.apiKey.id });
    await ok(
      `mutation($w: ID!, $u: ID!) { setMemberRole(workspaceId: $w, userId: $u, input: { role: ADMIN }) { role } }`,
      {
        w,
        u: agent.userId,
      },
    );
    await ok(`mutation($w: ID!, $u: ID!) { transferOwnership(workspaceId: $w, userId: $u) { id } }`, {
      w,
      u: agent.userId,
    });

    // A second workspace, deleted: every service purges it and says so.
    const doomedName = `Doomed ${Date.now()}`;
    const doomed = await createWorkspace(owner.token, doomedName);
    await ok(`mutation($w: ID!, $n: String!) { deleteWorkspace(id: $w, confirmName: $n) { done } }`, {
      w: doomed,
      n: doomedName,
    });
    await eventually(
      async () =>
        (
          await ok<{ workspaceDeletion: { done: boolean } }>(
            `query($w: ID!) { workspaceDeletion(workspaceId: $w) { done } }`,
            { w: doomed },
          )
        ).workspaceDeletion.done || undefined,
      60_000,
      "the deleted workspace to be purged everywhere",
    );

    // A password reset of the agent (asked anonymously, the token read from their mailbox).
    await graphqlOk(`mutation($i: RequestPasswordResetInput!) { requestPasswordReset(input: $i) }`, {
      variables: { i: { email: agent.email } },
    });
    const resetMail = await waitForMail(mailCatcherUrl(), agent.email, {
      matches: (m) => m.text.includes("reset-password?token="),
      what: "the reset mail",
    });
    const resetToken = /reset-password\?token=(pwr_[A-Za-z0-9_-]+)/.exec(resetMail.text)?.[1];
    await graphqlOk(`mutation($i: ResetPasswordInput!) { resetPassword(input: $i) }`, {
      variables: { i: { token: resetToken, password: "audit reset password" } },
    });

    // Everything the services published for this organisation so far.
    const published = await outboxEventsOfOrganisation(owner.organisationId);
    for (const event of published) driven.add(event.type);
    // What no service publishes in the harness stack is sent to its producer's topic directly.
    const direct = directEvents(owner.organisationId, w, owner.userId)
      .filter((event) => !driven.has(event.type))
      .map((event) => createEvent(event));
    for (const event of direct) {
      await sendToTopic(`${EVENT_REGISTRY[event.type as EventType].producer}.events`, [
        { key: event.workspaceId ?? event.organisationId, value: JSON.stringify(event) },
      ]);
    }
    const all: EventEnvelope[] = [...published, ...direct];

    const entries = await eventually(
      async () => {
        const rows = await auditQuery<EntryRow>(
          `SELECT event_id, action, category, actor_type, actor_id, actor_label, target_type, target_id, target_label, changes
             FROM activity_entry WHERE event_id = ANY($1::uuid[])`,
          [all.map((e) => e.id)],
        );
        return rows.length === all.length ? new Map(rows.map((r) => [r.event_id, r])) : undefined;
      },
      60_000,
      "every published event in the activity log",
    );

    const missingTypes = Object.keys(EVENT_REGISTRY).filter((type) => !all.some((e) => e.type === type));
    expect(missingTypes).toEqual([]);
    for (const event of all) {
      const entry = entries.get(event.id)!;
      const expectedActor =
        event.actor.type === "user"
          ? { actor_type: "user", actor_id: event.actor.id, actor_label: null }
          : event.actor.type === "apiKey"
            ? { actor_type: "apiKey", actor_id: event.actor.id, actor_label: event.actor.prefix }
            : { actor_type: event.actor.type, actor_id: null, actor_label: event.actor.type };
      expect({ type: event.type, ...entry }).toEqual({
        type: event.type,
        event_id: event.id,
        action: event.type,
        category: EVENT_REGISTRY[event.type as EventType].category,
        ...expectedActor,
        target_type: event.target.type,
        target_id: event.target.id,
        target_label: event.target.label,
        changes: event.changes,
      });
    }
    // API keys appear by prefix only: the secret is in no entry.
    expect(all.some((e) => e.actor.type === "apiKey")).toBe(true);
    expect(JSON.stringify([...entries.values()])).not.toContain(apiKeySecret.slice(-12));

    // Through the graph too: newest first, each with a summary naming its target.
    const page = await ok<{ activityLog: { nodes: Array<{ action: string; summary: string; changes: unknown[] }> } }>(
      `query($w: ID!) { activityLog(workspaceId: $w, first: 100) { nodes { action summary changes { field old new } } } }`,
      { w },
    );
    const status = page.activityLog.nodes.find((e) => e.action === "ticket.status_changed");
    expect(status).toEqual({
      action: "ticket.status_changed",
      summary: 'changed the status of ticket "#1 Printer still on fire"',
      changes: [{ field: "status", old: "OPEN", new: "PENDING" }],
    });
  }, 240_000);
});

describe("each event is one entry", () => {
  test("copies of an event (a resend in the same batch, a later redelivery, a replay at the same time) make one entry, and the chain stays gapless", async () => {
    // A chain of its own: a workspace id nothing else writes to.
    const chainWorkspace = randomUUID();
    const make = (n: number) =>
      createEvent({
        type: "ticket.status_changed",
        workspaceId: chainWorkspace,
        organisationId: owner.organisationId,
        actor: { type: "user", id: owner.userId },
        target: { type: "ticket", id: randomUUID(), label: `#${n} Copied` },
        changes: [{ field: "status", old: "OPEN", new: "PENDING" }],
        data: { ticketId: randomUUID(), number: n, status: "PENDING" },
      });
    const [first, second, third] = [make(1), make(2), make(3)];
    const message = (event: EventEnvelope) => ({ key: chainWorkspace, value: JSON.stringify(event) });
    const entriesOfChain = () =>
      auditQuery<{ event_id: string; chain_position: number }>(
        `SELECT event_id::text, chain_position FROM activity_entry WHERE workspace_id = $1::uuid ORDER BY chain_position`,
        [chainWorkspace],
      );

    await sendToTopic("ticketing.events", [message(first), message(first), message(second)]);
    await eventually(async () => ((await entriesOfChain()).length >= 2 ? true : undefined), 30_000, "two entries");
    // Again later, and at once on the main topic and the group's replay topic (two partitions' consumers).
    await Promise.all([
      sendToTopic("ticketing.events", [message(first), message(second), message(third)]),
      sendToTopic("audit.activity-log.replay", [message(second), message(first), message(third)]),
    ]);
    await eventually(async () => ((await entriesOfChain()).length >= 3 ? true : undefined), 30_000, "three entries");
    // Whatever was still in flight has landed: a marker after the copies on each topic.
    const [marker, replayMarker] = [make(4), make(5)];
    await sendToTopic("ticketing.events", [message(marker)]);
    await sendToTopic("audit.activity-log.replay", [message(replayMarker)]);
    await eventually(async () => ((await entriesOfChain()).length >= 5 ? true : undefined), 30_000, "the markers");
    const entries = await entriesOfChain();
    expect(entries.map((e) => e.chain_position)).toEqual([1, 2, 3, 4, 5]);
    expect(new Set(entries.map((e) => e.event_id))).toEqual(
      new Set([first.id, second.id, third.id, marker.id, replayMarker.id]),
    );
    expect(entries[0]!.event_id).toBe(first.id);
    expect(entries[1]!.event_id).toBe(second.id);
  }, 120_000);
});

void graphql;
