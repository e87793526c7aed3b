import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { parse } from "csv-parse/sync";
import { fromBuffer, type Entry } from "yauzl";
import { ACTOR_CONTEXT_HEADER } from "@support/actor-context";
import { auditQuery } from "../harness/audit.js";
import { invitePerson, type Person } from "../harness/people.js";
import { freePort, startService, stopStartedServices } from "../harness/service-process.js";
import { createTicket, ticketingQuery } from "../harness/ticketing.js";
import {
  changedWithin,
  createWorkspace,
  eventually,
  graphql,
  graphqlOk,
  signedContext,
  signUp,
  testStack,
  type SignedUpUser,
} from "../harness/stack.js";
import { setPlan } from "../harness/workspace.js";

/**
 * Issue 19, part 3 (SPEC section 6, redaction), shaped as the attacks: a member whose role sees
 * only the tickets assigned to them, or anyone while tickets are switched off, reads the log,
 * its stats, its CSV export and the workspace-data zip hoping for other tickets' titles,
 * descriptions and replies; anyone reads internal notes' text from the log or its database; an
 * admin removed or demoted after asking for an export, and a member removed after asking for the
 * zip, fetch their links.
 */

const SECRET = `SECRET-${Date.now()}`;
const HIDDEN_TITLE = `${SECRET} title of a VIP's ticket`;
const HIDDEN_DESCRIPTION = `${SECRET} description: the CEO's password is hunter2`;
const HIDDEN_REPLY = `${SECRET} public reply on the VIP ticket`;
const NOTE = `NOTE-${Date.now()} internal: customer is litigious`;
const NOTE_ON_MINE = `NOTE-${Date.now()} internal on the narrow member's own ticket`;

const LOG = `query($w: ID!, $n: Int, $a: String) {
  activityLog(workspaceId: $w, first: $n, after: $a) {
    nodes { id action redacted summary occurredAt actor { type id label } target { type id label } changes { field old new } }
    pageInfo { hasNextPage endCursor } } }`;
const STATS = `query($w: ID!, $f: DateTime!, $t: DateTime!) {
  activityStats(workspaceId: $w, from: $f, to: $t) { categories members(first: 100) { nodes { actor { type id label } total byCategory { category count } } } } }`;
const EXPORT = `mutation($w: ID!) { exportActivityLog(workspaceId: $w) { url } }`;
const EXPORT_ZIP = `mutation($w: ID!) { exportWorkspaceData(id: $w) { url } }`;

interface Entry_ {
  id: string;
  action: string;
  redacted: boolean;
  summary: string;
  occurredAt: string;
  actor: { type: string; id: string | null; label: string | null };
  target: { type: string; id: string; label: string | null };
  changes: Array<{ field: string; old: unknown; new: unknown }>;
}

let owner: SignedUpUser;
let workspaceId: string;
let narrow: Person;
let hidden: { id: string; number: number };
let mine: { id: string; number: number };
let handedOver: { id: string; number: number };

const ok = <T>(query: string, variables: Record<string, unknown>, token: string) =>
  graphqlOk<T>(query, { token, variables });

/** Every entry of the log as `token` reads it, page by page, newest first. */
async function wholeLog(token: string, workspace = workspaceId): Promise<Entry_[]> {
  const entries: Entry_[] = [];
  let after: string | null = null;
  do {
    const page: { activityLog: { nodes: Entry_[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } =
      await ok(
        LOG,
        // Pages of 50: 100 of these entries cost over the gateway's limit (5000), variables counted.
        { w: workspace, n: 50, a: after },
        token,
      );
    entries.push(...page.activityLog.nodes);
    after = page.activityLog.pageInfo.hasNextPage ? page.activityLog.pageInfo.endCursor : null;
  } while (after);
  return entries;
}

/** Follows a download link with the requester's header, or as a plain link (a browser's) without `token`. */
const download = (url: string, token?: string) =>
  fetch(url.startsWith("http") ? url : `${new URL(testStack().gatewayUrl).origin}${url}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });

const rowsOf = (csv: string) => parse(csv, { columns: true, bom: true }) as Array<Record<string, string>>;

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

const reply = (token: string, ticketId: string, body: string, internal: boolean) =>
  ok(
    `mutation($t: ID!, $i: AddTicketReplyInput!) { addTicketReply(ticketId: $t, input: $i) { id } }`,
    { t: ticketId, i: { body, internal } },
    token,
  );

/** Waits until the owner's log holds `count` entries of `action` (the audit consumer is asynchronous). */
async function logged(action: string, count: number, workspace = workspaceId) {
  await eventually(
    async () =>
      (await wholeLog(owner.token, workspace)).filter((e) => e.action === action).length >= count ? true : undefined,
    30_000,
    `${count} ${action} entries in the log`,
  );
}

beforeAll(async () => {
  owner = await signUp();
  workspaceId = await createWorkspace(owner.token, `Redaction ${Date.now()}`);
  await setPlan(owner, workspaceId, { plan: "UNLIMITED", seats: 20 });
  const role = await ok<{ createRole: { id: string } }>(
    `mutation($w: ID!) { createRole(workspaceId: $w, input: { name: "Mine only", ticketAccess: ASSIGNED_TO_ME,
       permissions: ["tickets:list", "tickets:view", "tickets:respond", "activity_log:view", "activity_log:export"] }) { id } }`,
    { w: workspaceId },
    owner.token,
  );
  narrow = await invitePerson(owner, [{ workspaceId, role: "MEMBER", customRoleId: role.createRole.id }]);

  hidden = await createTicket(owner.token, workspaceId, { title: HIDDEN_TITLE, description: HIDDEN_DESCRIPTION });
  await ok(
    `mutation($id: ID!, $i: UpdateTicketInput!) { updateTicket(id: $id, input: $i) { id } }`,
    { id: hidden.id, i: { description: `${HIDDEN_DESCRIPTION} (edited)` } },
    owner.token,
  );
  await reply(owner.token, hidden.id, HIDDEN_REPLY, false);
  await reply(owner.token, hidden.id, NOTE, true);
  mine = await createTicket(owner.token, workspaceId, { title: "Narrow's own printer", assigneeId: narrow.userId });
  await reply(owner.token, mine.id, NOTE_ON_MINE, true);
  // Created out of the narrow member's access, then handed to them: its whole history is theirs now.
  handedOver = await createTicket(owner.token, workspaceId, { title: "Handed over later" });
  await ok(
    `mutation($id: ID!, $a: ID) { assignTicket(id: $id, input: { assigneeId: $a }) { id } }`,
    { id: handedOver.id, a: narrow.userId },
    owner.token,
  );
  await logged("ticket.reply_added", 3);
  await logged("ticket.assigned", 1);
}, 180_000);

describe("a member whose role sees only tickets assigned to them", () => {
  test("activityLog: other tickets' entries are redacted (action, actor, time kept; no label, no changes); theirs are whole", async () => {
    const entries = await wholeLog(narrow.token);
    expect(JSON.stringify(entries)).not.toContain(SECRET);

    const aboutHidden = entries.filter((e) => e.target.id === hidden.id);
    expect(aboutHidden.map((e) => e.action).sort()).toEqual(
      ["ticket.created", "ticket.updated", "ticket.reply_added", "ticket.reply_added"].sort(),
    );
    for (const entry of aboutHidden) {
      expect(entry).toMatchObject({
        redacted: true,
        actor: { type: "user", id: owner.userId },
        target: { type: "ticket", id: hidden.id, label: null },
        changes: [],
      });
      expect(Date.parse(entry.occurredAt)).toBeGreaterThan(0);
    }

    for (const ticket of [mine, handedOver]) {
      const about = entries.filter((e) => e.target.id === ticket.id);
      expect(about.length).toBeGreaterThan(0);
      expect(about.every((e) => !e.redacted && e.target.label?.startsWith(`#${ticket.number} `))).toBe(true);
    }
    // Reassignment counts at once: the ticket created outside their access shows its creation in full.
    const created = entries.find((e) => e.target.id === handedOver.id && e.action === "ticket.created");
    expect(created?.changes.some((c) => c.field === "title" && c.new === "Handed over later")).toBe(true);

    // An owner (ticket access ALL) reads the same entries whole.
    const ownerView = await wholeLog(owner.token);
    expect(ownerView.filter((e) => e.redacted)).toEqual([]);
    expect(JSON.stringify(ownerView)).toContain(HIDDEN_TITLE);
  }, 60_000);

  test("activityStats shows no ticket text, and still counts the owner's ticket actions", async () => {
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const stats = await ok<{
      activityStats: {
        members: {
          nodes: Array<{ actor: { id: string | null }; byCategory: Array<{ category: string; count: number }> }>;
        };
      };
    }>(STATS, { w: workspaceId, f: from, t: to }, narrow.token);
    expect(JSON.stringify(stats)).not.toContain(SECRET);
    const ownerBar = stats.activityStats.members.nodes.find((m) => m.actor.id === owner.userId);
    expect(ownerBar?.byCategory.find((c) => c.category === "ticket")?.count).toBeGreaterThanOrEqual(8);
  });

  test("the CSV export they ask for holds no other ticket's title, description or reply", async () => {
    const { exportActivityLog } = await ok<{ exportActivityLog: { url: string } }>(
      EXPORT,
      { w: workspaceId },
      narrow.token,
    );
    const response = await download(exportActivityLog.url, narrow.token);
    expect(response.status).toBe(200);
    const csv = await response.text();
    expect(csv).not.toContain(SECRET);
    const rows = rowsOf(csv).filter((r) => r.target_id === hidden.id);
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      expect(row).toMatchObject({ actor_id: owner.userId, target_label: "", changes: "[]" });
      expect(row.entry_hash).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(rowsOf(csv).some((r) => r.target_id === mine.id && r.target_label?.startsWith(`#${mine.number} `))).toBe(
      true,
    );
  });
});

describe("internal notes", () => {
  test("their text reaches neither the log nor the audit database nor ticketing's events", async () => {
    const ownerView = await wholeLog(owner.token);
    const notes = ownerView.filter(
      (e) => e.action === "ticket.reply_added" && e.changes.some((c) => c.field === "internal" && c.new === true),
    );
    expect(notes).toHaveLength(2);
    expect(notes.every((e) => e.changes.every((c) => c.field !== "body"))).toBe(true);
    expect(JSON.stringify(ownerView)).not.toContain("NOTE-");
    // A public reply still shows its text to those who may see its ticket.
    expect(JSON.stringify(ownerView)).toContain(HIDDEN_REPLY);

    const stored = await auditQuery<{ n: number }>(
      `SELECT count(*)::int AS n FROM activity_entry WHERE changes::text LIKE '%NOTE-%' OR target_label LIKE '%NOTE-%'`,
    );
    expect(stored[0]?.n).toBe(0);
    const published = await ticketingQuery<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbox_event WHERE payload::text LIKE '%NOTE-%'`,
    );
    expect(published[0]?.n).toBe(0);
  });
});

describe("tickets switched off", () => {
  test("a member reads every ticket entry redacted, in the log and in the zip they export", async () => {
    const w = await createWorkspace(owner.token, `Tickets off ${Date.now()}`);
    const member = await invitePerson(owner, [{ workspaceId: w, role: "MEMBER" }]);
    const ticket = await createTicket(owner.token, w, { title: HIDDEN_TITLE, description: HIDDEN_DESCRIPTION });
    await reply(owner.token, ticket.id, HIDDEN_REPLY, false);
    await logged("ticket.reply_added", 1, w);
    await ok(
      `mutation($w: ID!) { updateWorkspaceSettings(id: $w, input: { ticketsEnabled: false, membersCanExportData: true }) { ticketsEnabled } }`,
      { w },
      owner.token,
    );

    const entries = await wholeLog(member.token, w);
    const tickets = entries.filter((e) => e.target.type === "ticket");
    expect(tickets.map((e) => e.action).sort()).toEqual(["ticket.created", "ticket.reply_added"]);
    expect(tickets.every((e) => e.redacted && e.target.label === null && e.changes.length === 0)).toBe(true);
    expect(entries.filter((e) => e.target.type !== "ticket").every((e) => !e.redacted)).toBe(true);
    expect(JSON.stringify(entries)).not.toContain(SECRET);

    const { exportWorkspaceData } = await ok<{ exportWorkspaceData: { url: string } }>(EXPORT_ZIP, { w }, member.token);
    const response = await download(exportWorkspaceData.url, member.token);
    expect(response.status).toBe(200);
    const files = await unzip(Buffer.from(await response.arrayBuffer()));
    const log = files.get("activity-log.csv")!;
    expect(log).not.toContain(SECRET);
    const rows = rowsOf(log).filter((r) => r.target_type === "ticket");
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.target_label === "" && r.changes === "[]")).toBe(true);
    // The zip's own ticket file shows them no ticket either: its header, no rows.
    const ticketFile = files.get("tickets.csv")!;
    expect(ticketFile).not.toContain(SECRET);
    expect(rowsOf(ticketFile)).toHaveLength(0);
  }, 120_000);
});

describe("download links outlive no one's rights", () => {
  /**
   * Every download of `url` sent more than the caches' bound after `answeredAt` (the change of
   * rights) is refused with `status`, as a plain link and with each token, and never holds SECRET.
   */
  async function refusedWithin(answeredAt: number, url: string, tokens: Array<string | null>, status: number) {
    for (const token of tokens) {
      await changedWithin(
        answeredAt,
        async () => {
          const response = await download(url, token ?? undefined);
          const body = await response.text();
          if (response.status === 200) return false;
          expect(response.status).toBe(status);
          expect(body).not.toContain(SECRET);
          return true;
        },
        `the download ${token ? "with the requester's token" : "as a plain link"}`,
      );
    }
  }

  test("an admin removed after asking for an activity-log export gets 404, not the CSV", async () => {
    const w = await createWorkspace(owner.token, `Removed admin ${Date.now()}`);
    const admin = await invitePerson(owner, [{ workspaceId: w, role: "ADMIN" }]);
    await createTicket(owner.token, w, { title: HIDDEN_TITLE });
    await logged("ticket.created", 1, w);
    const { exportActivityLog } = await ok<{ exportActivityLog: { url: string } }>(EXPORT, { w }, admin.token);
    await ok(
      `mutation($w: ID!, $u: ID!) { removeMember(workspaceId: $w, userId: $u) }`,
      { w, u: admin.userId },
      owner.token,
    );
    // As a plain link (no header) and with the requester's header: refused alike, rights checked
    // when downloaded, so within the caches' 1 s bound of the removal (docs/adr/0003).
    await refusedWithin(Date.now(), exportActivityLog.url, [null, admin.token], 404);
  }, 90_000);

  test("an admin demoted to member after asking for an export gets 403, not the CSV", async () => {
    const w = await createWorkspace(owner.token, `Demoted admin ${Date.now()}`);
    const admin = await invitePerson(owner, [{ workspaceId: w, role: "ADMIN" }]);
    await createTicket(owner.token, w, { title: HIDDEN_TITLE });
    await logged("ticket.created", 1, w);
    const { exportActivityLog } = await ok<{ exportActivityLog: { url: string } }>(EXPORT, { w }, admin.token);
    await ok(
      `mutation($w: ID!, $u: ID!) { setMemberRole(workspaceId: $w, userId: $u, input: { role: MEMBER }) { role } }`,
      { w, u: admin.userId },
      owner.token,
    );
    await refusedWithin(Date.now(), exportActivityLog.url, [null, admin.token], 403);
  }, 90_000);

  test("a member removed after asking for the workspace zip gets 404, not 503", async () => {
    const w = await createWorkspace(owner.token, `Removed exporter ${Date.now()}`);
    const member = await invitePerson(owner, [{ workspaceId: w, role: "MEMBER" }]);
    await ok(
      `mutation($w: ID!) { updateWorkspaceSettings(id: $w, input: { membersCanExportData: true }) { membersCanExportData } }`,
      { w },
      owner.token,
    );
    const { exportWorkspaceData } = await ok<{ exportWorkspaceData: { url: string } }>(EXPORT_ZIP, { w }, member.token);
    await ok(
      `mutation($w: ID!, $u: ID!) { removeMember(workspaceId: $w, userId: $u) }`,
      { w, u: member.userId },
      owner.token,
    );
    await refusedWithin(Date.now(), exportWorkspaceData.url, [null, member.token], 404);
  }, 90_000);
});

describe("ticketing unable to say which tickets a reader sees", () => {
  afterAll(stopStartedServices);

  test("the narrow member's activityLog is SERVICE_UNAVAILABLE (retry), nothing shown unredacted and nothing of the inside", async () => {
    // A ticketing instance that cannot reach the workspace service answers its visibility question
    // 503; an audit instance asks that one.
    const ticketing = await startService("ticketing", {
      WORKSPACE_SERVICE_URL: `http://127.0.0.1:${await freePort()}`,
    });
    const audit = await startService("audit", { TICKETING_SERVICE_URL: ticketing.url });
    /** One page of the log asked of that audit instance directly, as the gateway would send it for `userId`. */
    const pageAt = async (userId: string, orgRole: "ORG_ADMIN" | "MEMBER", n: number) =>
      graphql<{ activityLog: { nodes: unknown[] } | null }>(LOG, {
        url: `${audit.url}/graphql`,
        variables: { w: workspaceId, n },
        headers: {
          [ACTOR_CONTEXT_HEADER]: await signedContext({
            kind: "user",
            userId,
            organisationId: owner.organisationId,
            orgRole,
            sessionId: randomUUID(),
          }),
        },
      });
    const answer = await pageAt(narrow.userId, "MEMBER", 50);
    expect({ data: answer.data, codes: answer.errors?.map((e) => e.extensions?.code) }).toEqual({
      data: { activityLog: null },
      codes: ["SERVICE_UNAVAILABLE"],
    });
    expect(JSON.stringify(answer)).not.toMatch(/HTTP 503|internal|ECONNREFUSED|stack/i);
    // The owner, who sees every ticket, needs no answer from ticketing: their page arrives.
    const ownerPage = await pageAt(owner.userId, "ORG_ADMIN", 5);
    expect(ownerPage.errors).toBeUndefined();
    expect(ownerPage.data?.activityLog?.nodes).toHaveLength(5);
  }, 120_000);
});
