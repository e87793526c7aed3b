import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, test } from "@jest/globals";
import pg from "pg";
import { databaseUrlOf } from "../harness/audit.js";
import { invitePerson, type Person } from "../harness/people.js";
import { createWorkspace, errorCodes, graphql, graphqlOk, signUp, type SignedUpUser } from "../harness/stack.js";
import { writesOf } from "../harness/ticketing.js";
import { setPlan } from "../harness/workspace.js";

/**
 * Issue 19 (3): importTickets is no way around the permissions of the columns it maps. An API key
 * holding only `workspace_data:import` and `tickets:create` that maps an assignee, a team, custom
 * field values or a solved/closed status is FORBIDDEN naming the permission it lacks
 * (`tickets:assign`, `ticket_fields:edit_values`, `tickets:close`), and nothing is written.
 * (Today only a workspace's owner, who holds every permission, gets `workspace_data:import`
 * through the API; the check does not rely on that staying so.)
 */

const IMPORT = `mutation($w: ID!, $csv: String!, $m: TicketImportMapping!) {
  importTickets(workspaceId: $w, csv: $csv, mapping: $m) { imported } }`;

let owner: SignedUpUser;
let agent: Person;
let workspaceId: string;
let fieldId: string;

/**
 * An API key of the workspace holding exactly `permissions`. The API refuses owner-only
 * permissions to new keys, so the key is made with the others and its row is then given the list
 * as it is stored (a key from before that rule, or one written by anyone with the database): the
 * import must hold on its own, whatever the key's list says.
 */
async function apiKey(permissions: string[]): Promise<string> {
  const name = `importer ${randomUUID()}`;
  const data = await graphqlOk<{ createApiKey: { key: string } }>(
    `mutation($w: ID!, $n: String!) { createApiKey(workspaceId: $w, name: $n, permissions: ["tickets:list"]) { key } }`,
    { token: owner.token, variables: { w: workspaceId, n: name } },
  );
  const client = new pg.Client({ connectionString: databaseUrlOf("workspace") });
  await client.connect();
  try {
    const updated = await client.query(`UPDATE api_key SET permissions = $1 WHERE workspace_id = $2 AND name = $3`, [
      permissions,
      workspaceId,
      name,
    ]);
    expect(updated.rowCount).toBe(1);
  } finally {
    await client.end();
  }
  return data.createApiKey.key;
}

beforeAll(async () => {
  owner = await signUp();
  workspaceId = await createWorkspace(owner.token, `Import permissions ${Date.now()}`);
  await setPlan(owner, workspaceId, { plan: "PRO", seats: 10 });
  agent = await invitePerson(owner, [{ workspaceId, role: "MEMBER" }]);
  await graphqlOk(`mutation($w: ID!) { createTeam(workspaceId: $w, input: { name: "Escalations" }) { id } }`, {
    token: owner.token,
    variables: { w: workspaceId },
  });
  fieldId = (
    await graphqlOk<{ createTicketField: { id: string } }>(
      `mutation($w: ID!) { createTicketField(workspaceId: $w, input: { name: "Order", type: NUMBER }) { id } }`,
      { token: owner.token, variables: { w: workspaceId } },
    )
  ).createTicketField.id;
}, 120_000);

describe("importTickets with only workspace_data:import and tickets:create", () => {
  let key: string;
  beforeAll(async () => {
    key = await apiKey(["workspace_data:import", "tickets:create"]);
  });

  const attacks: Array<[string, () => { csv: string; mapping: Record<string, unknown> }, string]> = [
    [
      "an assignee column",
      () => ({ csv: `Subject,Agent\nMine now,${agent.email}`, mapping: { title: "Subject", assigneeEmail: "Agent" } }),
      "tickets:assign",
    ],
    [
      "a team column",
      () => ({ csv: "Subject,Group\nTo the team,Escalations", mapping: { title: "Subject", teamName: "Group" } }),
      "tickets:assign",
    ],
    [
      "a custom-field column",
      () => ({
        csv: "Subject,Order no\nWith a value,1017",
        mapping: { title: "Subject", fields: [{ fieldId, column: "Order no" }] },
      }),
      "ticket_fields:edit_values",
    ],
    [
      "a closed status",
      () => ({ csv: "Subject,State\nAlready closed,CLOSED", mapping: { title: "Subject", status: "State" } }),
      "tickets:close",
    ],
    [
      "a solved status",
      () => ({ csv: "Subject,State\nAlready solved,solved", mapping: { title: "Subject", status: "State" } }),
      "tickets:close",
    ],
  ];

  test.each(attacks)(
    "mapping %s is FORBIDDEN naming the missing permission; nothing is written",
    async (_, input, missing) => {
      const before = await writesOf(workspaceId);
      const { csv, mapping } = input();
      const result = await graphql(IMPORT, { token: key, variables: { w: workspaceId, csv, m: mapping } });
      expect(errorCodes(result)).toEqual(["FORBIDDEN"]);
      expect(result.errors?.[0]?.message).toContain(missing);
      expect(await writesOf(workspaceId)).toEqual(before);
    },
  );

  test("every missing permission is named at once", async () => {
    const result = await graphql(IMPORT, {
      token: key,
      variables: {
        w: workspaceId,
        csv: `Subject,Agent,Order no\nBoth,${agent.email},7`,
        m: { title: "Subject", assigneeEmail: "Agent", fields: [{ fieldId, column: "Order no" }] },
      },
    });
    expect(errorCodes(result)).toEqual(["FORBIDDEN"]);
    expect(result.errors?.[0]?.message).toMatch(/tickets:assign.*ticket_fields:edit_values/);
  });

  test("what the two permissions do cover still imports: titles, open statuses, priorities", async () => {
    const result = await graphqlOk<{ importTickets: { imported: number } }>(IMPORT, {
      token: key,
      variables: {
        w: workspaceId,
        csv: "Subject,State,Urgency\nPlain,open,high\nWaiting,pending,low",
        m: { title: "Subject", status: "State", priority: "Urgency" },
      },
    });
    expect(result.importTickets.imported).toBe(2);
  });
});

test("a key holding the columns' permissions imports them all", async () => {
  const key = await apiKey([
    "workspace_data:import",
    "tickets:create",
    "tickets:assign",
    "tickets:close",
    "ticket_fields:edit_values",
  ]);
  const result = await graphqlOk<{ importTickets: { imported: number } }>(IMPORT, {
    token: key,
    variables: {
      w: workspaceId,
      csv: `Subject,Agent,Group,State,Order no\nEverything,${agent.email},Escalations,closed,1017`,
      m: {
        title: "Subject",
        assigneeEmail: "Agent",
        teamName: "Group",
        status: "State",
        fields: [{ fieldId, column: "Order no" }],
      },
    },
  });
  expect(result.importTickets.imported).toBe(1);
});
