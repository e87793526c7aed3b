import { randomUUID } from "node:crypto";
import pg from "pg";
import { createEvent, type NewEvent } from "@support/events";
import { hash } from "@node-rs/argon2";
import { invitationTokenFor } from "@support/infra/mail-catcher";
import { eventually, graphqlOk, mailCatcherUrl, testStack, uniqueEmail } from "./stack.js";

/**
 * Test-only shortcuts into other services' databases, for facts no API on this branch can
 * produce yet. Each writes what the owning service would write — the row and its outbox event
 * (docs/adr/0002) — so consumers see exactly what they would in production.
 */
type ServiceDatabase = "identity" | "billing" | "workspace";

function databaseUrl(service: ServiceDatabase): string {
  const stack = testStack();
  const url = new URL(stack.postgresServerUrl);
  url.pathname = `/support_${service}${stack.databaseSuffix}`;
  return url.toString();
}

async function withClient<T>(service: ServiceDatabase, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl(service) });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Writes an event into a service's outbox, as that service's `publish` would (the relay sends it). */
async function enqueue(client: pg.Client, service: "identity" | "billing", event: NewEvent): Promise<void> {
  const envelope = createEvent(event);
  const topic = `${service}.events`;
  await client.query(`INSERT INTO outbox_event (id, topic, partition_key, payload) VALUES ($1, $2, $3, $4::jsonb)`, [
    envelope.id,
    topic,
    envelope.workspaceId ?? envelope.organisationId,
    JSON.stringify(envelope),
  ]);
  await client.query(`SELECT pg_notify('outbox_event', $1)`, [topic]);
}

/** One statement against the workspace service's database, e.g. to make its copy of a person stale. */
export async function workspaceQuery<Row extends Record<string, unknown>>(
  sql: string,
  values: unknown[] = [],
): Promise<Row[]> {
  return withClient("workspace", async (client) => (await client.query<Row>(sql, values)).rows);
}

export const MEMBER_PASSWORD = "correct horse battery";

export interface OrgMember {
  token: string;
  userId: string;
  email: string;
}

/**
 * A user of an existing organisation (identity's invitations are built on another branch):
 * inserted with an argon2 hash and a `user.created` event, then logged in through the gateway.
 */
export async function createOrgMember(
  organisationId: string,
  options: { orgRole?: "ORG_ADMIN" | "MEMBER"; firstName?: string } = {},
): Promise<OrgMember> {
  const email = uniqueEmail("member");
  const userId = randomUUID();
  const orgRole = options.orgRole ?? "MEMBER";
  const firstName = options.firstName ?? "Grace";
  const passwordHash = await hash(MEMBER_PASSWORD);
  await withClient("identity", async (client) => {
    await client.query("BEGIN");
    await client.query(
      `INSERT INTO "user" (id, organisation_id, first_name, last_name, email, email_normalized, password_hash, status, org_role, updated_at)
       VALUES ($1, $2, $3, 'Hopper', $4, $5, $6, 'ACTIVE', $7, now())`,
      [userId, organisationId, firstName, email, email.toLowerCase(), passwordHash, orgRole],
    );
    await enqueue(client, "identity", {
      type: "user.created",
      workspaceId: null,
      organisationId,
      actor: { type: "system" },
      target: { type: "user", id: userId, label: `${firstName} Hopper` },
      data: { userId, orgRole, status: "ACTIVE", email, firstName, lastName: "Hopper", aggregateVersion: 1 },
    });
    await client.query("COMMIT");
  });
  const login = await graphqlOk<{ logIn: { token: string } }>(
    `mutation($input: LogInInput!) { logIn(input: $input) { token } }`,
    { variables: { input: { email, password: MEMBER_PASSWORD } } },
  );
  return { token: login.logIn.token, userId, email };
}

/**
 * What billing does after a Stripe webhook changes the plan or seats (SPEC section 5): updates
 * the account (a new version) and publishes its state. The account must exist (trial opened).
 */
export async function publishBillingChange(
  workspaceId: string,
  organisationId: string,
  change: { plan?: "BASIC" | "PRO" | "UNLIMITED"; seats?: number },
): Promise<void> {
  await withClient("billing", async (client) => {
    await client.query("BEGIN");
    const { rows } = await client.query<{
      plan: "BASIC" | "PRO" | "UNLIMITED";
      seats: number;
      status: "TRIALING" | "ACTIVE" | "PAST_DUE" | "CANCELED";
      period_end: Date | null;
      version: number;
      old_plan: string;
      old_seats: number;
    }>(
      `UPDATE billing_account AS a SET plan = coalesce($2, a.plan), seats = coalesce($3, a.seats), status = 'ACTIVE',
         version = a.version + 1, updated_at = now()
       FROM billing_account AS old WHERE a.workspace_id = $1 AND old.workspace_id = a.workspace_id
       RETURNING a.plan, a.seats, a.status, a.period_end, a.version, old.plan AS old_plan, old.seats AS old_seats`,
      [workspaceId, change.plan ?? null, change.seats ?? null],
    );
    const account = rows[0];
    if (!account) throw new Error(`workspace ${workspaceId} has no billing account yet`);
    await enqueue(client, "billing", {
      type: change.plan ? "billing.plan_changed" : "billing.seats_changed",
      workspaceId,
      organisationId,
      actor: { type: "stripe" },
      target: { type: "billing_account", id: workspaceId, label: null },
      changes: [
        { field: "plan", old: account.old_plan, new: account.plan },
        { field: "seats", old: account.old_seats, new: account.seats },
      ].filter((c) => c.old !== c.new),
      data: {
        plan: account.plan,
        seats: account.seats,
        status: account.status,
        periodEnd: account.period_end?.toISOString() ?? null,
        aggregateVersion: account.version,
      },
    });
    await client.query("COMMIT");
  });
}

/** The built-in roles an invitation or a membership edit can give (InvitedWorkspaceRole). */
export type WorkspaceRoleName = "ADMIN" | "SUPERVISOR" | "AGENT" | "SUPPORT" | "MEMBER";

/** Someone who joined through the product's own invitation flow, signed in. */
export interface Person {
  userId: string;
  email: string;
  token: string;
  password: string;
}

/**
 * Invites a new person into the given workspaces as `inviter`, accepts the invitation, and
 * waits until the workspace service has created every membership (from `invitation.accepted`).
 */
export async function invitePerson(
  inviter: { token: string },
  workspaces: Array<{ workspaceId: string; role: WorkspaceRoleName; customRoleId?: string }>,
  options: { orgRole?: "ORG_ADMIN" | "MEMBER" } = {},
): Promise<Person> {
  const email = uniqueEmail("invitee");
  const password = "invited person password";
  await graphqlOk<{ inviteUser: { invitation: { id: string } } }>(
    `mutation($input: InviteUserInput!) { inviteUser(input: $input) { invitation { id } } }`,
    {
      token: inviter.token,
      variables: { input: { firstName: "Ivy", lastName: "Invitee", email, workspaces, ...options } },
    },
  );
  // As the invitee would: with the token from the invitation mail in their mailbox.
  const invitationToken = await invitationTokenFor(mailCatcherUrl(), email);
  const accepted = await graphqlOk<{ acceptInvitation: { token: string; user: { id: string } } }>(
    `mutation($t: String!, $p: String!) { acceptInvitation(token: $t, password: $p) { token user { id } } }`,
    { variables: { t: invitationToken, p: password } },
  );
  const token = accepted.acceptInvitation.token;
  await eventually(
    async () => {
      const data = await graphqlOk<{ workspaces: { nodes: Array<{ id: string }> } }>(
        `{ workspaces(first: 100) { nodes { id } } }`,
        { token },
      );
      const ids = new Set(data.workspaces.nodes.map((w) => w.id));
      return workspaces.every((w) => ids.has(w.workspaceId)) ? true : undefined;
    },
    20_000,
    "the invitee's memberships",
  );
  return { userId: accepted.acceptInvitation.user.id, email, token, password };
}
