import { beforeAll, describe, expect, test } from "@jest/globals";
import pg from "pg";
import { databaseUrlOf } from "../harness/audit.js";
import { billingEventually, standInStats, subscribe } from "../harness/billing.js";
import { invitePerson, type Person } from "../harness/people.js";
import {
  createWorkspace,
  errorCodes,
  eventually,
  graphql,
  graphqlOk,
  signUp,
  testStack,
  type SignedUpUser,
} from "../harness/stack.js";
import { createTicket } from "../harness/ticketing.js";
import { whileFrozen } from "../harness/service-process.js";

/**
 * Issue 12, deletion: a populated workspace (members, custom role, team, API key, pending
 * invitation, 100 tickets with field values and replies, a paid subscription on the Stripe
 * stand-in) is deleted by its owner; it is NOT_FOUND at once, every service purges its rows,
 * Stripe's subscription is cancelled once, and the activity log is kept for the org's admins.
 */

const NAME = `Doomed desk ${Date.now()}`;
let owner: SignedUpUser;
let admin: Person;
let workspaceId: string;
let subscriptionId: string;
let ticketIds: string[] = [];
let teamId: string;
let apiKey: string;

const DELETE = `mutation($w: ID!, $n: String!) { deleteWorkspace(id: $w, confirmName: $n) {
  workspaceId name done services { service purgedAt } } }`;
const PROGRESS = `query($w: ID!) { workspaceDeletion(workspaceId: $w) { done services { service purgedAt } } }`;

/** Rows that still name the workspace, per service database and table. */
async function rowsOf(id: string): Promise<Record<string, number>> {
  const tables: Record<string, string[]> = {
    workspace: ["workspace:id", "membership", "custom_role", "team", "join_request", "api_key", "pending_invitation"],
    identity: ["invitation_workspace"],
    ticketing: ["ticket", "ticket_reply", "ticket_field", "sla_policy", "workspace_ticket_counter"],
    billing: ["billing_account"],
  };
  const counts: Record<string, number> = {};
  for (const [service, names] of Object.entries(tables)) {
    const client = new pg.Client({ connectionString: databaseUrlOf(service) });
    await client.connect();
    try {
      for (const entry of names) {
        const [table, column] = entry.split(":") as [string, string | undefined];
        const { rows } = await client.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${table} WHERE ${column ?? "workspace_id"} = $1`,
          [id],
        );
        counts[`${service}.${table}`] = rows[0]!.n;
      }
    } finally {
      await client.end();
    }
  }
  return counts;
}

beforeAll(async () => {
  owner = await signUp();
  workspaceId = await createWorkspace(owner.token, NAME);
  await billingEventually(owner.token, workspaceId, (b) => b.status === "TRIALING", "the trial to open");
  subscriptionId = await subscribe(owner.token, workspaceId, "UNLIMITED", 20);
  const role = await graphqlOk<{ createRole: { id: string } }>(
    `mutation($w: ID!) { createRole(workspaceId: $w, input: { name: "Triage", permissions: ["tickets:list"] }) { id } }`,
    { token: owner.token, variables: { w: workspaceId } },
  );
  admin = await invitePerson(owner, [{ workspaceId, role: "ADMIN" }]);
  await invitePerson(owner, [{ workspaceId, role: "MEMBER", customRoleId: role.createRole.id }]);
  await graphqlOk(`mutation($input: InviteUserInput!) { inviteUser(input: $input) { invitation { id } } }`, {
    token: owner.token,
    variables: {
      input: {
        firstName: "Pending",
        lastName: "Person",
        email: `pending-${Date.now()}@example.com`,
        workspaces: [{ workspaceId, role: "MEMBER" }],
      },
    },
  });
  teamId = (
    await graphqlOk<{ createTeam: { id: string } }>(
      `mutation($w: ID!) { createTeam(workspaceId: $w, input: { name: "Tier 1" }) { id } }`,
      { token: owner.token, variables: { w: workspaceId } },
    )
  ).createTeam.id;
  apiKey = (
    await graphqlOk<{ createApiKey: { key: string } }>(
      `mutation($w: ID!) { createApiKey(workspaceId: $w, name: "bot", permissions: ["tickets:list"]) { key } }`,
      { token: owner.token, variables: { w: workspaceId } },
    )
  ).createApiKey.key;
  const field = await graphqlOk<{ createTicketField: { id: string } }>(
    `mutation($w: ID!) { createTicketField(workspaceId: $w, input: { name: "Order", type: TEXT }) { id } }`,
    { token: owner.token, variables: { w: workspaceId } },
  );
  await graphqlOk(`mutation($w: ID!) { updateSlaPolicy(workspaceId: $w, input: { hours: 8 }) { hours } }`, {
    token: owner.token,
    variables: { w: workspaceId },
  });
  ticketIds = [];
  for (let i = 0; i < 100; i += 1) {
    const ticket = await createTicket(owner.token, workspaceId, {
      title: `Ticket ${i}`,
      teamId,
      fieldValues: [{ fieldId: field.createTicketField.id, text: `A-${i}` }],
    });
    ticketIds.push(ticket.id);
    if (i % 10 === 0)
      await graphqlOk(`mutation($t: ID!) { addTicketReply(ticketId: $t, input: { body: "On it" }) { id } }`, {
        token: owner.token,
        variables: { t: ticket.id },
      });
  }
}, 300_000);

describe("deleteWorkspace", () => {
  test("only the owner, only with the exact name; other organisations get NOT_FOUND", async () => {
    const stranger = await signUp();
    const attempts: Array<[string | undefined, string, string]> = [
      [admin.token, NAME, "FORBIDDEN"],
      [apiKey, NAME, "FORBIDDEN"],
      [stranger.token, NAME, "NOT_FOUND"],
      [undefined, NAME, "UNAUTHENTICATED"],
      [owner.token, NAME.toUpperCase(), "BAD_USER_INPUT"],
      [owner.token, `${NAME} `, "BAD_USER_INPUT"],
      [owner.token, `${NAME}\u202E`, "BAD_USER_INPUT"],
      [owner.token, "", "BAD_USER_INPUT"],
    ];
    for (const [token, name, code] of attempts) {
      expect([name, errorCodes(await graphql(DELETE, { token, variables: { w: workspaceId, n: name } }))]).toEqual([
        name,
        [code],
      ]);
    }
    expect((await rowsOf(workspaceId))["workspace.workspace"]).toBe(1);
  }, 60_000);

  test("a populated workspace is gone at once, purged everywhere, its subscription cancelled once, its log kept", async () => {
    expect((await rowsOf(workspaceId))["ticketing.ticket"]).toBe(100);
    const cancelsBefore = (await standInStats(subscriptionId))["DELETE /v1/subscriptions/:id"] ?? 0;

    // Two deletions at the same moment: one deletes, the other finds nothing.
    const [first, second] = await Promise.all([
      graphql<{ deleteWorkspace: { name: string; done: boolean } }>(DELETE, {
        token: owner.token,
        variables: { w: workspaceId, n: NAME },
      }),
      graphql<{ deleteWorkspace: { name: string } }>(DELETE, {
        token: owner.token,
        variables: { w: workspaceId, n: NAME },
      }),
    ]);
    const outcomes = [first, second].map((r) => (r.data?.deleteWorkspace ? "ok" : errorCodes(r).join()));
    expect(outcomes.sort()).toEqual(["NOT_FOUND", "ok"]);

    // NOT_FOUND at once, for the workspace and each of its objects.
    for (const [query, variables] of [
      [`query($w: ID!) { workspace(id: $w) { id } }`, { w: workspaceId }],
      [`query($w: ID!) { myPermissions(workspaceId: $w) }`, { w: workspaceId }],
      [`query($id: ID!) { ticket(id: $id) { id } }`, { id: ticketIds[0] }],
      [`mutation($id: ID!) { updateTeam(id: $id, input: { name: "Ghost" }) { id } }`, { id: teamId }],
    ] as const) {
      expect(errorCodes(await graphql(query, { token: owner.token, variables }))).toEqual(["NOT_FOUND"]);
    }
    // The API key died with it.
    const byKey = await fetch(testStack().gatewayUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ query: "{ workspaces { nodes { id } } }" }),
    });
    expect(byKey.status).toBe(401);

    const progress = await eventually(
      async () => {
        const data = await graphqlOk<{
          workspaceDeletion: { done: boolean; services: Array<{ service: string; purgedAt: string | null }> };
        }>(PROGRESS, { token: owner.token, variables: { w: workspaceId } });
        return data.workspaceDeletion.done ? data.workspaceDeletion : undefined;
      },
      60_000,
      "every service to purge the workspace",
    );
    expect(progress.services.map((s) => s.service)).toEqual(["workspace", "identity", "ticketing", "billing"]);
    expect(progress.services.every((s) => s.purgedAt !== null)).toBe(true);

    const left = await rowsOf(workspaceId);
    expect(Object.entries(left).filter(([, n]) => n > 0)).toEqual([]);
    expect((await standInStats(subscriptionId))["DELETE /v1/subscriptions/:id"]).toBe(cancelsBefore + 1);

    // The log stays, for the organisation's admins, once the audit service has recorded the
    // deletion (it learns of it from the `workspace.deleted` event, like every other entry).
    const actions = await eventually(
      async () => {
        const result = await graphql<{ activityLog: { nodes: Array<{ action: string }> } | null }>(
          `
            query ($w: ID!) {
              activityLog(workspaceId: $w, first: 100, filter: { category: "workspace" }) {
                nodes {
                  action
                }
              }
            }
          `,
          { token: owner.token, variables: { w: workspaceId } },
        );
        // Until then the log answers NOT_FOUND, never anything else.
        expect(errorCodes(result).filter((code) => code !== "NOT_FOUND")).toEqual([]);
        const seen = result.data?.activityLog?.nodes.map((e) => e.action) ?? [];
        return seen.includes("workspace.deleted") ? seen : undefined;
      },
      60_000,
      "the audit service to record the deletion",
    );
    expect(actions).toContain("workspace.deleted");
    // Progress is the requester's and the org admins' to read; nobody else's.
    expect(errorCodes(await graphql(PROGRESS, { token: admin.token, variables: { w: workspaceId } }))).toEqual([
      "NOT_FOUND",
    ]);
  }, 120_000);

  test("a service that is down during the deletion purges when it comes back", async () => {
    const name = `Second desk ${Date.now()}`;
    const second = await createWorkspace(owner.token, name);
    for (let i = 0; i < 5; i += 1) await createTicket(owner.token, second, { title: `Left behind ${i}` });
    // The harness's ticketing process, frozen: no consumer, no heartbeat, as if the machine hung.
    await whileFrozen("ticketing", async () => {
      await graphqlOk(DELETE, { token: owner.token, variables: { w: second, n: name } });
      const partial = await eventually(
        async () => {
          const data = await graphqlOk<{
            workspaceDeletion: { services: Array<{ service: string; purgedAt: string | null }> };
          }>(PROGRESS, { token: owner.token, variables: { w: second } });
          const purged = new Set(data.workspaceDeletion.services.filter((s) => s.purgedAt).map((s) => s.service));
          return purged.has("identity") && purged.has("billing") ? purged : undefined;
        },
        60_000,
        "identity and billing to purge while ticketing is down",
      );
      expect(partial.has("ticketing")).toBe(false);
      expect((await rowsOf(second))["ticketing.ticket"]).toBe(5);
    });
    await eventually(
      async () =>
        (
          await graphqlOk<{ workspaceDeletion: { done: boolean } }>(PROGRESS, {
            token: owner.token,
            variables: { w: second },
          })
        ).workspaceDeletion.done || undefined,
      90_000,
      "ticketing to purge once it is back",
    );
    expect(Object.entries(await rowsOf(second)).filter(([, n]) => n > 0)).toEqual([]);
  }, 180_000);
});
