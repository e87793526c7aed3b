import { beforeAll, describe, expect, test } from "@jest/globals";
import { parse } from "csv-parse/sync";
import { fromBuffer, type Entry } from "yauzl";
import { invitePerson, type Person } from "../harness/people.js";
import {
  createWorkspace,
  errorCodes,
  graphql,
  graphqlOk,
  signUp,
  testStack,
  type SignedUpUser,
} from "../harness/stack.js";
import { setPlan } from "../harness/workspace.js";

/**
 * Issue 12, export: one zip of CSV files streamed through a single-use link, one export per 60 s
 * per workspace, and a round trip — the exported tickets imported into a new workspace come back
 * with the same titles, states, people, teams and field values.
 */

const EXPORT = `mutation($w: ID!) { exportWorkspaceData(id: $w) { url expiresAt nextAllowedAt } }`;
const NAME = `Acme / Support: "EU" ${Date.now()}`;

let owner: SignedUpUser;

async function unzip(buffer: Buffer): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  await new Promise<void>((resolve, reject) => {
    fromBuffer(buffer, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error ?? new Error("no zip"));
      zip.on("entry", (entry: Entry) => {
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError ?? new Error("no stream"));
          const chunks: Buffer[] = [];
          stream.on("data", (chunk: Buffer) => chunks.push(chunk));
          stream.on("end", () => {
            files.set(entry.fileName, Buffer.concat(chunks).toString("utf8"));
            zip.readEntry();
          });
        });
      });
      zip.on("end", () => resolve());
      zip.on("error", reject);
      zip.readEntry();
    });
  });
  return files;
}

const rowsOf = (csv: string) => parse(csv, { columns: true, bom: true }) as Array<Record<string, string>>;

const download = (url: string, token?: string) =>
  fetch(url.startsWith("http") ? url : `${new URL(testStack().gatewayUrl).origin}${url}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });

/**
 * A new workspace of the owner with what an export carries: an agent (MEMBER) in the team
 * "Tier 2", a NUMBER field "Order" and two tickets, one assigned to the agent and the team with an
 * order number, one to nobody.
 */
async function seededWorkspace(name: string): Promise<{ workspaceId: string; agent: Person }> {
  const workspaceId = await createWorkspace(owner.token, name);
  await setPlan(owner, workspaceId, { plan: "PRO", seats: 10 });
  const agent = await invitePerson(owner, [{ workspaceId, role: "MEMBER" }]);
  const team = await graphqlOk<{ createTeam: { id: string } }>(
    `mutation($w: ID!, $m: [ID!]) { createTeam(workspaceId: $w, input: { name: "Tier 2", memberIds: $m }) { id } }`,
    { token: owner.token, variables: { w: workspaceId, m: [agent.userId] } },
  );
  const orderField = (
    await graphqlOk<{ createTicketField: { id: string } }>(
      `mutation($w: ID!) { createTicketField(workspaceId: $w, input: { name: "Order", type: NUMBER }) { id } }`,
      { token: owner.token, variables: { w: workspaceId } },
    )
  ).createTicketField.id;
  const tickets = [
    { title: "Printer on fire", priority: "URGENT", assigneeId: agent.userId, teamId: team.createTeam.id, order: 1017 },
    { title: "Refund, please", priority: "LOW", assigneeId: null, teamId: null, order: null },
  ];
  for (const t of tickets) {
    await graphqlOk(`mutation($w: ID!, $i: CreateTicketInput!) { createTicket(workspaceId: $w, input: $i) { id } }`, {
      token: owner.token,
      variables: {
        w: workspaceId,
        i: {
          title: t.title,
          priority: t.priority,
          assigneeId: t.assigneeId,
          teamId: t.teamId,
          fieldValues: t.order === null ? [] : [{ fieldId: orderField, number: t.order }],
        },
      },
    });
  }
  return { workspaceId, agent };
}

/** The owner exports the workspace and follows the link: the zip's files by name. */
async function exportedFiles(workspaceId: string): Promise<Map<string, string>> {
  const { exportWorkspaceData } = await graphqlOk<{ exportWorkspaceData: { url: string } }>(EXPORT, {
    token: owner.token,
    variables: { w: workspaceId },
  });
  const response = await download(exportWorkspaceData.url);
  expect(response.status).toBe(200);
  return unzip(Buffer.from(await response.arrayBuffer()));
}

beforeAll(async () => {
  owner = await signUp();
}, 120_000);

describe("exportWorkspaceData", () => {
  test("one of 20 at once wins; the zip has every file, named after the workspace; the link is the requester's, once", async () => {
    const { workspaceId, agent } = await seededWorkspace(NAME);
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        graphql<{ exportWorkspaceData: { url: string } }>(EXPORT, {
          token: owner.token,
          variables: { w: workspaceId },
        }),
      ),
    );
    const won = results.filter((r) => r.data?.exportWorkspaceData);
    const limited = results.filter((r) => errorCodes(r).includes("RATE_LIMITED"));
    expect([won.length, limited.length]).toEqual([1, 19]);
    expect(limited.every((r) => (r.errors?.[0]?.extensions?.retryAfterSeconds as number) >= 1)).toBe(true);
    const url = won[0]!.data!.exportWorkspaceData.url;
    expect(url).toMatch(/\/downloads\/workspace\//);

    // Another member's header is refused; a tampered link is refused; neither uses the link up.
    expect((await download(url, agent.token)).status).toBe(404);
    expect((await download(url, "sess_forged")).status).toBe(401);
    expect((await download(url.slice(0, -1) + (url.endsWith("0") ? "1" : "0"))).status).toBe(404);
    // A browser follows the link as it is: no header.
    const response = await download(url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/zip");
    expect(response.headers.get("content-disposition")).toMatch(
      /^attachment; filename="Acme-Support-EU-\d+-\d{4}-\d{2}-\d{2}\.zip"$/,
    );
    const files = await unzip(Buffer.from(await response.arrayBuffer()));
    expect([...files.keys()].sort()).toEqual([
      "activity-log.csv",
      "members.csv",
      "roles.csv",
      "teams.csv",
      "ticket-fields.csv",
      "tickets.csv",
    ]);
    expect(
      rowsOf(files.get("members.csv")!)
        .map((m) => [m.email, m.role])
        .sort(),
    ).toEqual(
      [
        [owner.email, "OWNER"],
        [agent.email, "MEMBER"],
      ].sort(),
    );
    expect(rowsOf(files.get("teams.csv")!)).toEqual([
      { name: "Tier 2", description: "", active: "true", member_emails: agent.email },
    ]);
    expect(rowsOf(files.get("roles.csv")!).map((r) => [r.name, r.kind, r.ticket_access])).toEqual([
      ["OWNER", "BUILT_IN", "ALL"],
      ["ADMIN", "BUILT_IN", "ALL"],
      ["SUPERVISOR", "BUILT_IN", "ALL"],
      ["AGENT", "BUILT_IN", "ALL"],
      ["SUPPORT", "BUILT_IN", "ASSIGNED_TO_ME_OR_MY_TEAMS"],
      ["MEMBER", "BUILT_IN", "ALL"],
    ]);
    expect(rowsOf(files.get("ticket-fields.csv")!).map((f) => [f.name, f.type])).toEqual([["Order", "NUMBER"]]);
    expect(rowsOf(files.get("activity-log.csv")!).some((e) => e.action === "ticket.created")).toBe(true);
    expect((await download(url)).status).toBe(404);
    expect((await download(url, owner.token)).status).toBe(404);
  }, 90_000);

  test("the exported tickets imported into a new workspace come back the same", async () => {
    const { workspaceId, agent } = await seededWorkspace(`Exported ${Date.now()}`);
    const exported = await exportedFiles(workspaceId);
    expect(exported.get("tickets.csv")).toBeDefined();
    const target = await createWorkspace(owner.token, `Imported ${Date.now()}`);
    await setPlan(owner, target, { plan: "PRO", seats: 10 });
    await graphqlOk(
      `mutation($u: ID!, $a: ID!, $b: ID!) { updateUser(id: $u, input: { setWorkspaces: [
         { workspaceId: $a, role: MEMBER }, { workspaceId: $b, role: MEMBER }] }) { id } }`,
      { token: owner.token, variables: { u: agent.userId, a: workspaceId, b: target } },
    );
    await graphqlOk(`mutation($w: ID!) { createTeam(workspaceId: $w, input: { name: "Tier 2" }) { id } }`, {
      token: owner.token,
      variables: { w: target },
    });
    const field = await graphqlOk<{ createTicketField: { id: string } }>(
      `mutation($w: ID!) { createTicketField(workspaceId: $w, input: { name: "Order", type: NUMBER }) { id } }`,
      { token: owner.token, variables: { w: target } },
    );
    const imported = await graphqlOk<{ importTickets: { imported: number } }>(
      `mutation($w: ID!, $csv: String!, $m: TicketImportMapping!) { importTickets(workspaceId: $w, csv: $csv, mapping: $m) { imported } }`,
      {
        token: owner.token,
        variables: {
          w: target,
          csv: exported.get("tickets.csv"),
          m: {
            title: "title",
            description: "description",
            status: "status",
            priority: "priority",
            assigneeEmail: "assignee_email",
            teamName: "team_name",
            fields: [{ fieldId: field.createTicketField.id, column: "field: Order" }],
          },
        },
      },
    );
    expect(imported.importTickets.imported).toBe(2);
    const view = async (w: string) =>
      (
        await graphqlOk<{
          tickets: {
            nodes: Array<{
              title: string;
              status: string;
              priority: string;
              assignee: { email: string } | null;
              team: { name: string } | null;
              fieldValues: { nodes: Array<{ field: { name: string }; number: number | null }> };
            }>;
          };
        }>(
          `query($w: ID!) { tickets(workspaceId: $w, first: 10) { nodes { title status priority assignee { email } team { name }
             fieldValues(first: 10) { nodes { field { name } number } } } } }`,
          { token: owner.token, variables: { w } },
        )
      ).tickets.nodes
        .map((t) => ({ ...t, fieldValues: t.fieldValues.nodes.map((v) => [v.field.name, v.number]) }))
        .sort((a, b) => a.title.localeCompare(b.title));
    expect(await view(target)).toEqual(await view(workspaceId));
  }, 90_000);
});
