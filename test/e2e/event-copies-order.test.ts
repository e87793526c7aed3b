import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import pg from "pg";
import type { Producer } from "kafkajs";
import { createEvent, createKafka, topicFor, type TypedEvent } from "@support/events";
import { createLogger } from "@support/logger";
import { createOrgMember } from "../harness/people.js";
import { createWorkspace, eventually, graphqlOk, signUp, testStack, uniqueEmail } from "../harness/stack.js";

/**
 * Copies kept from events (docs/adr/0004) apply an event only when it is newer than what they
 * hold: two events about one aggregate, delivered out of order, leave the newer state. The
 * events go straight to the producer's topic, as a relay resending or reordering them would.
 */

let producer: Producer;
let workspaceDb: pg.Pool;

beforeAll(async () => {
  const stack = testStack();
  const url = new URL(stack.postgresServerUrl);
  url.pathname = `/support_workspace${stack.databaseSuffix}`;
  workspaceDb = new pg.Pool({ connectionString: url.toString(), max: 2 });
  producer = createKafka(
    "copies-order-test",
    stack.kafkaBrokers,
    createLogger({ service: "test", level: "silent" }),
  ).producer();
  await producer.connect();
});

afterAll(async () => {
  await producer.disconnect();
  await workspaceDb.end();
});

/** Publishes the events in the order given, each as its own message, keyed as the relay keys them. */
async function deliver(topic: string, ...events: TypedEvent[]): Promise<void> {
  for (const event of events) {
    await producer.send({
      topic,
      messages: [{ key: event.workspaceId ?? event.organisationId, value: JSON.stringify(event) }],
    });
  }
}

/**
 * Waits until the workspace service's copy-keeping consumer (`workspace.people` for identity's
 * events, `workspace.billing` for billing's) has consumed (applied or skipped) every one of the
 * events. Other groups of the service read the same topics (e.g. `workspace.deletions`).
 */
async function consumed(...events: TypedEvent[]): Promise<void> {
  await eventually(
    async () => {
      const { rows } = await workspaceDb.query<{ count: string }>(
        `SELECT count(*) FROM processed_event
          WHERE event_id = ANY($1::uuid[]) AND consumer_group IN ('workspace.people', 'workspace.billing')`,
        [events.map((event) => event.id)],
      );
      return Number(rows[0]?.count) === events.length ? true : undefined;
    },
    30_000,
    `the workspace service to consume ${events.map((event) => event.type).join(", ")}`,
  );
}

interface PersonRow {
  first_name: string | null;
  email: string | null;
  org_role: string;
  user_version: number;
  deleted_at: Date | null;
}

async function person(userId: string): Promise<PersonRow | undefined> {
  const { rows } = await workspaceDb.query<PersonRow>(
    `SELECT first_name, email, org_role, user_version, deleted_at FROM person WHERE user_id = $1`,
    [userId],
  );
  return rows[0];
}

describe("the workspace service's person copy (identity's user.* events)", () => {
  test("keeps the newer state when an older event arrives after a newer one, and a deleted user stays deleted", async () => {
    const admin = await signUp();
    const member = await createOrgMember(admin.organisationId, { firstName: "Grace" });
    await eventually(async () => ((await person(member.userId))?.user_version === 1 ? true : undefined));

    const userEvent = (
      type: "user.updated" | "user.org_role_changed",
      firstName: string,
      orgRole: "ORG_ADMIN" | "MEMBER",
      aggregateVersion: number,
    ) =>
      createEvent({
        type,
        workspaceId: null,
        organisationId: admin.organisationId,
        actor: { type: "user", id: admin.userId },
        target: { type: "user", id: member.userId, label: `${firstName} Hopper` },
        data: {
          userId: member.userId,
          orgRole,
          status: "ACTIVE",
          email: member.email,
          firstName,
          lastName: "Hopper",
          aggregateVersion,
        },
      });

    const newer = userEvent("user.org_role_changed", "Newer", "ORG_ADMIN", 3);
    const older = userEvent("user.updated", "Older", "MEMBER", 2);
    await deliver(topicFor("identity"), newer, older);
    await consumed(newer, older);
    expect(await person(member.userId)).toMatchObject({ first_name: "Newer", org_role: "ORG_ADMIN", user_version: 3 });

    const deleted = createEvent({
      type: "user.deleted",
      workspaceId: null,
      organisationId: admin.organisationId,
      actor: { type: "user", id: admin.userId },
      target: { type: "user", id: member.userId, label: "Newer Hopper" },
      data: { userId: member.userId, aggregateVersion: 5 },
    });
    const lateUpdate = userEvent("user.updated", "Revived", "MEMBER", 4);
    await deliver(topicFor("identity"), deleted, lateUpdate);
    await consumed(deleted, lateUpdate);
    const tombstone = await person(member.userId);
    expect(tombstone).toMatchObject({ first_name: null, email: null, user_version: 5 });
    expect(tombstone?.deleted_at).toBeInstanceOf(Date);
  });
});

describe("the workspace service's plan and seats (billing.* events)", () => {
  test("keep the newer account state when an older billing event arrives after a newer one", async () => {
    const owner = await signUp();
    const workspaceId = await createWorkspace(owner.token, `Order ${Date.now()}`);
    // The trial (version 1) is applied first, so both events below are newer than the copy.
    await eventually(async () => {
      const { rows } = await workspaceDb.query<{ billing_version: number }>(
        `SELECT billing_version FROM workspace WHERE id = $1`,
        [workspaceId],
      );
      return rows[0]?.billing_version === 1 ? true : undefined;
    });

    const billingEvent = (
      type: "billing.plan_changed" | "billing.seats_changed",
      plan: "BASIC" | "PRO",
      seats: number,
      aggregateVersion: number,
    ) =>
      createEvent({
        type,
        workspaceId,
        organisationId: owner.organisationId,
        actor: { type: "stripe" },
        target: { type: "billing_account", id: workspaceId, label: null },
        data: { plan, seats, status: "ACTIVE", periodEnd: null, aggregateVersion },
      });

    const newer = billingEvent("billing.plan_changed", "PRO", 12, 3);
    const older = billingEvent("billing.seats_changed", "BASIC", 5, 2);
    await deliver(topicFor("billing"), newer, older);
    await consumed(newer, older);

    const data = await graphqlOk<{ workspace: { plan: string; seats: number } }>(
      `query($id: ID!) { workspace(id: $id) { plan seats } }`,
      { token: owner.token, variables: { id: workspaceId } },
    );
    expect(data.workspace).toEqual({ plan: "PRO", seats: 12 });
  });
});

describe("the workspace service's pending invitations (identity's invitation.* events)", () => {
  test("a late invitation.sent, after the invitation was revoked, does not take the seat back", async () => {
    const owner = await signUp();
    const workspaceId = await createWorkspace(owner.token, `Invitations ${Date.now()}`);
    const pendingInvitations = async () =>
      (
        await graphqlOk<{ workspace: { pendingInvitations: number } }>(
          `query($id: ID!) { workspace(id: $id) { pendingInvitations } }`,
          { token: owner.token, variables: { id: workspaceId } },
        )
      ).workspace.pendingInvitations;
    const email = uniqueEmail("late");
    const invited = await graphqlOk<{ inviteUser: { invitation: { id: string; expiresAt: string } } }>(
      `mutation($input: InviteUserInput!) { inviteUser(input: $input) { invitation { id expiresAt } } }`,
      {
        token: owner.token,
        variables: {
          input: { firstName: "Late", lastName: "Comer", email, workspaces: [{ workspaceId, role: "MEMBER" }] },
        },
      },
    );
    const invitation = invited.inviteUser.invitation;
    expect(await pendingInvitations()).toBe(1);
    await graphqlOk(`mutation($id: ID!) { revokeInvitation(id: $id) { id } }`, {
      token: owner.token,
      variables: { id: invitation.id },
    });
    await eventually(async () => ((await pendingInvitations()) === 0 ? true : undefined), 30_000, "the seat back");

    const lateSent = createEvent({
      type: "invitation.sent",
      workspaceId,
      organisationId: owner.organisationId,
      actor: { type: "user", id: owner.userId },
      target: { type: "invitation", id: invitation.id, label: email },
      data: { invitationId: invitation.id, email, role: "MEMBER", customRoleId: null, expiresAt: invitation.expiresAt },
    });
    await deliver(topicFor("identity"), lateSent);
    await consumed(lateSent);
    expect(await pendingInvitations()).toBe(0);
  });
});
