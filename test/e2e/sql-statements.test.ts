import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, test } from "@jest/globals";
import { createWorkspace, eventually, graphqlOk, signUp, testStack, type SignedUpUser } from "../harness/stack.js";
import { invitePerson, type Person } from "../harness/people.js";
import { setPlan } from "../harness/workspace.js";
import { createTicket } from "../harness/ticketing.js";

/**
 * Issue 9: a page of tickets with assignee, team and creator names costs a bounded number of SQL
 * statements in every subgraph, whatever the page size. The services of the test stack log each
 * request's statement count (LOG_SQL_STATEMENTS, counted by service-kit's countingPool); the
 * gateway forwards our request id to every subgraph call, so the sum per service is exact.
 */
const SERVICES = ["identity", "workspace", "ticketing"] as const;
const PAGE = `query($w: ID!, $n: Int) { tickets(workspaceId: $w, first: $n) {
  nodes { number title assignee { firstName lastName } team { name } creator { firstName email }
    replies(first: 2) { nodes { body } totalCount } } } }`;

function statementsOf(requestId: string): Record<(typeof SERVICES)[number], { requests: number; statements: number }> {
  const stack = testStack();
  const logDir = new URL(`../../.local/logs${stack.databaseSuffix}/`, import.meta.url);
  const counts = Object.fromEntries(SERVICES.map((s) => [s, { requests: 0, statements: 0 }])) as ReturnType<
    typeof statementsOf
  >;
  for (const service of SERVICES) {
    for (const line of readFileSync(new URL(`${service}.log`, logDir), "utf8").split("\n")) {
      if (!line.includes(requestId) || !line.includes('"sql statements"')) continue;
      const entry = JSON.parse(line) as { reqId: string; sqlStatements: number };
      if (entry.reqId !== requestId) continue;
      counts[service].requests += 1;
      counts[service].statements += entry.sqlStatements;
    }
  }
  return counts;
}

let owner: SignedUpUser;
let workspaceId: string;

beforeAll(async () => {
  owner = await signUp();
  workspaceId = await createWorkspace(owner.token, `Statements ${Date.now()}`);
  await setPlan(owner, workspaceId, { seats: 20 });
  const agents: Person[] = [];
  for (let i = 0; i < 4; i += 1) agents.push(await invitePerson(owner, [{ workspaceId, role: "MEMBER" }]));
  const teams: string[] = [];
  for (const name of ["Billing", "Tech", "Sales"]) {
    const team = await graphqlOk<{ createTeam: { id: string } }>(
      `mutation($w: ID!, $n: String!) { createTeam(workspaceId: $w, input: { name: $n }) { id } }`,
      { token: owner.token, variables: { w: workspaceId, n: name } },
    );
    teams.push(team.createTeam.id);
  }
  for (let i = 0; i < 55; i += 1) {
    await createTicket(owner.token, workspaceId, {
      title: `Ticket ${i}`,
      assigneeId: [...agents.map((a) => a.userId), owner.userId][i % 5],
      teamId: teams[i % 3],
    });
  }
}, 300_000);

/** One page of `size` through the gateway: what each subgraph was asked and ran for it. */
async function measure(size: number): Promise<ReturnType<typeof statementsOf>> {
  const requestId = randomUUID();
  const data = await graphqlOk<{
    tickets: { nodes: Array<{ assignee: { firstName: string }; team: { name: string } }> };
  }>(PAGE, { token: owner.token, variables: { w: workspaceId, n: size }, headers: { "x-request-id": requestId } });
  expect(data.tickets.nodes).toHaveLength(size);
  expect(data.tickets.nodes.every((t) => t.assignee.firstName && t.team.name)).toBe(true);
  // A subgraph logs a request's count as its response finishes, which can be a moment after the
  // gateway has answered. A second request through the same three services, sent after the
  // first was answered, is logged after it: once its lines are there, the first's are complete.
  const markerId = randomUUID();
  await graphqlOk(PAGE, {
    token: owner.token,
    variables: { w: workspaceId, n: 1 },
    headers: { "x-request-id": markerId },
  });
  await eventually(
    async () => (SERVICES.every((s) => statementsOf(markerId)[s].requests > 0) ? true : undefined),
    10_000,
    `log lines of marker request ${markerId}`,
  );
  const counts = statementsOf(requestId);
  expect(SERVICES.every((s) => counts[s].requests > 0)).toBe(true);
  return counts;
}

describe("SQL statements per subgraph for a page of tickets with names", () => {
  test("a page of 10 and a page of 50 cost the same number of statements in each subgraph", async () => {
    const ten = await measure(10);
    const fifty = await measure(50);
    process.stdout.write(`SQL statements, page of 10: ${JSON.stringify(ten)}\npage of 50: ${JSON.stringify(fifty)}\n`);
    for (const service of SERVICES) {
      expect({ service, ...fifty[service] }).toEqual({ service, ...ten[service] });
      expect(ten[service].statements).toBeGreaterThan(0);
    }
  }, 60_000);

  test("identity is asked once per page for both the assignees' and the creators' names", async () => {
    // The plan fetches `assignee` and `creator` from identity in parallel; the gateway sends both
    // entity fetches as one request (docs/adr/0031).
    const page = await measure(50);
    expect(page.identity.requests).toBe(1);
    expect(page.workspace.requests).toBe(1);
    expect(page.ticketing.requests).toBe(1);
  }, 60_000);
});
