import { createHash, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { DEAD_LETTER_HEADERS, createEvent, type NewEvent } from "@support/events";
import {
  asPrivilegedOperator,
  auditQuery,
  disconnectProducer,
  readTopic,
  sendToTopic,
  slaWarning,
} from "../harness/audit.js";
import { createOrgMember, invitePerson } from "../harness/people.js";
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

/**
 * Issue 11: dead letters of the audit consumer, the log's append-only rule in the database,
 * tamper evidence (a changed entry, cut-off newest entries), the rate-limited CSV export with
 * single-use links, filters and stats, and a deleted workspace's log kept for org admins.
 */

let owner: SignedUpUser;

const VERIFY = `query($w: ID!, $full: Boolean) { verifyActivityLog(workspaceId: $w, full: $full) {
  valid entriesChecked headPosition truncated rewritten
  firstBrokenEntry { id chainPosition reason } checkpoint { position signatureValid } } }`;

interface Verification {
  valid: boolean;
  entriesChecked: number;
  headPosition: number;
  truncated: boolean;
  rewritten: boolean;
  firstBrokenEntry: { id: string; chainPosition: number; reason: string } | null;
  checkpoint: { position: number; signatureValid: boolean } | null;
}

const verify = async (workspaceId: string, token = owner.token, full = false) =>
  (await graphqlOk<{ verifyActivityLog: Verification }>(VERIFY, { token, variables: { w: workspaceId, full } }))
    .verifyActivityLog;

/** Entries of a workspace's chain in order, once there are at least `count`. */
async function chainOf(workspaceId: string, count: number) {
  return eventually(
    async () => {
      const rows = await auditQuery<{ event_id: string; chain_position: number; action: string }>(
        `SELECT event_id, chain_position, action FROM activity_entry WHERE chain_key = $1 ORDER BY chain_position`,
        [workspaceId],
      );
      return rows.length >= count ? rows : undefined;
    },
    30_000,
    `${count} entries in the chain of ${workspaceId}`,
  );
}

/** A fresh workspace with teams, once everything its creation publishes is in its chain. */
async function workspaceWithTeams(names: string[]): Promise<string> {
  const workspaceId = await createWorkspace(owner.token, `Integrity ${Date.now()}`);
  for (const name of names)
    await graphqlOk(`mutation($w: ID!, $n: String!) { createTeam(workspaceId: $w, input: { name: $n }) { id } }`, {
      token: owner.token,
      variables: { w: workspaceId, n: name },
    });
  await eventually(
    async () => {
      const actions = (
        await auditQuery<{ action: string }>(`SELECT action FROM activity_entry WHERE chain_key = $1`, [workspaceId])
      ).map((r) => r.action);
      const settled =
        actions.filter((a) => a === "team.created").length === names.length &&
        ["workspace.created", "member.added", "billing.trial_started"].every((a) => actions.includes(a));
      return settled ? true : undefined;
    },
    30_000,
    "the new workspace's entries",
  );
  return workspaceId;
}

const send = (event: ReturnType<typeof createEvent>) =>
  sendToTopic("ticketing.events", [{ key: event.workspaceId ?? event.organisationId, value: JSON.stringify(event) }]);

beforeAll(async () => {
  owner = await signUp();
});

afterAll(async () => {
  await disconnectProducer();
});

describe("dead letters", () => {
  test("a malformed message and an unknown type land in the audit group's dead-letter topic; a good event after them is logged", async () => {
    const workspaceId = await createWorkspace(owner.token, `Dead letters ${Date.now()}`);
    const marker = randomUUID();
    const unknownType = {
      ...createEvent(slaWarning(workspaceId, owner.organisationId, "Unknown")),
      type: "thing.exploded",
      data: { marker },
    };
    const good = createEvent(slaWarning(workspaceId, owner.organisationId, "After the poison"));
    await sendToTopic("ticketing.events", [
      { key: workspaceId, value: `{"not json ${marker}` },
      { key: workspaceId, value: JSON.stringify(unknownType) },
      { key: workspaceId, value: JSON.stringify(good) },
    ]);

    const letters = await readTopic("audit.activity-log.dlq", (messages) => {
      const ours = messages.filter((m) => m.value.includes(marker));
      return ours.length === 2 ? ours : undefined;
    });
    expect(letters.map((l) => l.headers[DEAD_LETTER_HEADERS.reason])).toEqual([
      expect.stringMatching(/^malformed message: /),
      expect.stringContaining("thing.exploded is not a registered event type"),
    ]);
    expect(letters.every((l) => l.headers[DEAD_LETTER_HEADERS.originTopic] === "ticketing.events")).toBe(true);
    const logged = await eventually(
      async () => (await auditQuery(`SELECT 1 FROM activity_entry WHERE event_id = $1`, [good.id]))[0],
      30_000,
      "the good event after the poison ones",
    );
    expect(logged).toBeDefined();
    expect(await auditQuery(`SELECT 1 FROM activity_entry WHERE event_id = $1`, [unknownType.id])).toEqual([]);
  }, 90_000);
});

describe("append-only in the database", () => {
  test("the service's own role cannot UPDATE, DELETE or TRUNCATE entries or checkpoints", async () => {
    const workspaceId = await workspaceWithTeams(["Append only"]);
    const [entry] = await chainOf(workspaceId, 2);
    await graphqlOk(`mutation($w: ID!) { checkpointActivityLog(workspaceId: $w) { position } }`, {
      token: owner.token,
      variables: { w: workspaceId },
    });
    for (const sql of [
      `UPDATE activity_entry SET target_label = 'edited' WHERE event_id = '${entry!.event_id}'`,
      `DELETE FROM activity_entry WHERE event_id = '${entry!.event_id}'`,
      `TRUNCATE activity_entry`,
      `UPDATE chain_checkpoint SET position = 1 WHERE chain_key = '${workspaceId}'`,
      `DELETE FROM chain_checkpoint WHERE chain_key = '${workspaceId}'`,
      `TRUNCATE chain_checkpoint`,
    ]) {
      await expect(auditQuery(sql)).rejects.toThrow(/is append-only/);
    }
    expect((await chainOf(workspaceId, 2)).length).toBeGreaterThanOrEqual(2);
  }, 60_000);
});

describe("tamper evidence", () => {
  test("an entry changed directly in the database is named exactly", async () => {
    const workspaceId = await workspaceWithTeams(["Tier 1", "Tier 2", "Tier 3"]);
    const chain = await chainOf(workspaceId, 4);
    expect(await verify(workspaceId)).toMatchObject({ valid: true, firstBrokenEntry: null, truncated: false });
    const victim = chain[2]!;
    await asPrivilegedOperator([
      {
        sql: `UPDATE activity_entry SET target_label = 'Nothing to see' WHERE event_id = $1`,
        values: [victim.event_id],
      },
    ]);
    // Changing an entry in place needs a superuser; it is found by the full re-verification
    // (the default one starts after the newest checkpoint an earlier verification found intact).
    const result = await verify(workspaceId, owner.token, true);
    expect(result.valid).toBe(false);
    expect(result.firstBrokenEntry).toEqual({
      id: victim.event_id,
      chainPosition: victim.chain_position,
      reason: "ENTRY_CHANGED",
    });
  }, 60_000);

  test("the newest entries deleted: verification reports the truncation against the signed checkpoint", async () => {
    const workspaceId = await workspaceWithTeams(["North", "South", "East", "West"]);
    const chain = await chainOf(workspaceId, 5);
    const checkpoint = await graphqlOk<{ checkpointActivityLog: { position: number; signatureValid: boolean } }>(
      `mutation($w: ID!) { checkpointActivityLog(workspaceId: $w) { position signatureValid } }`,
      { token: owner.token, variables: { w: workspaceId } },
    );
    expect(checkpoint.checkpointActivityLog).toEqual({ position: chain.length, signatureValid: true });
    // Cut the two newest: what is left is a perfectly consistent, shorter chain.
    await asPrivilegedOperator([
      {
        sql: `DELETE FROM activity_entry WHERE chain_key = $1 AND chain_position > $2`,
        values: [workspaceId, chain.length - 2],
      },
    ]);
    expect(await verify(workspaceId)).toEqual({
      valid: false,
      entriesChecked: chain.length - 2,
      headPosition: chain.length - 2,
      truncated: true,
      rewritten: false,
      firstBrokenEntry: null,
      checkpoint: { position: chain.length, signatureValid: true },
    });
  }, 60_000);

  test("a forged checkpoint does not verify", async () => {
    const workspaceId = await workspaceWithTeams(["Forged"]);
    const chain = await chainOf(workspaceId, 2);
    await asPrivilegedOperator([
      {
        sql: `INSERT INTO chain_checkpoint (chain_key, position, entry_hash, signed_at, key_id, signature)
              SELECT chain_key, chain_position, entry_hash, now(), 'local', repeat('0', 64)
                FROM activity_entry WHERE chain_key = $1 AND chain_position = $2`,
        values: [workspaceId, chain.length],
      },
    ]);
    expect(await verify(workspaceId)).toMatchObject({
      valid: false,
      checkpoint: { position: chain.length, signatureValid: false },
    });
  }, 60_000);
});

/** RFC 8785 canonical JSON for the plain values an entry holds (strings, integers, null, arrays, objects). */
const canonical = (value: unknown): string =>
  Array.isArray(value)
    ? `[${value.map(canonical).join(",")}]`
    : value !== null && typeof value === "object"
      ? `{${Object.keys(value)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
          .join(",")}}`
      : JSON.stringify(value);

const CHECKPOINT = `mutation($w: ID!) { checkpointActivityLog(workspaceId: $w) { position signatureValid } }`;

/**
 * Issue 19: what someone with a database login (INSERT and SELECT on the log, as the service's
 * role) or a superuser can do without the audit signing key, and what an ordinary member can do.
 */
describe("forgery without the signing key", () => {
  test("an entry INSERTed with a correct old-style sha256 link, then real entries and a checkpoint: verify names it", async () => {
    const workspaceId = await workspaceWithTeams(["Before the forgery"]);
    await chainOf(workspaceId, 2);
    // Every input of the old link is public: the head's hash and position, the entry's fields.
    const [head] = await auditQuery<{ chain_position: number; entry_hash: string; organisation_id: string }>(
      `SELECT chain_position, entry_hash, organisation_id FROM activity_entry WHERE chain_key = $1
        ORDER BY chain_position DESC LIMIT 1`,
      [workspaceId],
    );
    const fields = {
      eventId: randomUUID(),
      workspaceId,
      organisationId: head!.organisation_id,
      action: "member.removed",
      category: "member",
      actorType: "user",
      actorId: owner.userId,
      actorLabel: null,
      targetType: "user",
      targetId: randomUUID(),
      targetLabel: "Someone who never left",
      changes: [],
      occurredAt: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString(),
      chainPosition: head!.chain_position + 1,
    };
    const forgedHash = createHash("sha256").update(head!.entry_hash).update(canonical(fields)).digest("hex");
    await auditQuery(
      `INSERT INTO activity_entry (event_id, workspace_id, organisation_id, action, category, actor_type, actor_id,
         actor_label, target_type, target_id, target_label, changes, occurred_at, chain_key, chain_position,
         previous_hash, entry_hash)
       VALUES ($1, $2::uuid, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $2::text, $14, $15, $16)`,
      [
        fields.eventId,
        workspaceId,
        fields.organisationId,
        fields.action,
        fields.category,
        fields.actorType,
        fields.actorId,
        fields.actorLabel,
        fields.targetType,
        fields.targetId,
        fields.targetLabel,
        JSON.stringify(fields.changes),
        fields.occurredAt,
        fields.chainPosition,
        head!.entry_hash,
        forgedHash,
      ],
    );
    // Real entries chain onto it, and a checkpoint signs the head past it.
    await graphqlOk(`mutation($w: ID!) { createTeam(workspaceId: $w, input: { name: "After the forgery" }) { id } }`, {
      token: owner.token,
      variables: { w: workspaceId },
    });
    await chainOf(workspaceId, fields.chainPosition + 1);
    const signed = await graphqlOk<{ checkpointActivityLog: { position: number } }>(CHECKPOINT, {
      token: owner.token,
      variables: { w: workspaceId },
    });
    expect(signed.checkpointActivityLog.position).toBeGreaterThan(fields.chainPosition);
    // A made-up verification record does not make verify skip it either.
    await auditQuery(
      `INSERT INTO chain_verification (chain_key, checkpoint_seq, verified_at, key_id, signature)
       SELECT chain_key, max(seq), now(), 'local', repeat('a', 64) FROM chain_checkpoint WHERE chain_key = $1
        GROUP BY chain_key`,
      [workspaceId],
    );

    const broken = { id: fields.eventId, chainPosition: fields.chainPosition, reason: "NOT_SIGNED" };
    for (const full of [false, true]) {
      const result = await verify(workspaceId, owner.token, full);
      expect(result.valid).toBe(false);
      expect(result.firstBrokenEntry).toEqual(broken);
    }
  }, 90_000);

  test("the newest entries deleted, then checkpoints asked for: refused, and verify reports the truncation even after new entries", async () => {
    const workspaceId = await workspaceWithTeams(["Cut 1", "Cut 2", "Cut 3"]);
    const chain = await chainOf(workspaceId, 4);
    const first = await graphqlOk<{ checkpointActivityLog: { position: number } }>(CHECKPOINT, {
      token: owner.token,
      variables: { w: workspaceId },
    });
    expect(first.checkpointActivityLog.position).toBe(chain.length);
    await asPrivilegedOperator([
      {
        sql: `DELETE FROM activity_entry WHERE chain_key = $1 AND chain_position > $2`,
        values: [workspaceId, chain.length - 2],
      },
    ]);

    const refused = await graphql(CHECKPOINT, { token: owner.token, variables: { w: workspaceId } });
    expect(errorCodes(refused)).toEqual(["CONFLICT"]);
    expect(refused.errors?.[0]?.message).toMatch(/entries were removed/);
    expect(await verify(workspaceId)).toMatchObject({ valid: false, truncated: true, headPosition: chain.length - 2 });

    // New real entries take the removed positions: still never signed, still reported.
    await graphqlOk(`mutation($w: ID!) { createTeam(workspaceId: $w, input: { name: "Cut 4" }) { id } }`, {
      token: owner.token,
      variables: { w: workspaceId },
    });
    await chainOf(workspaceId, chain.length - 1);
    expect(errorCodes(await graphql(CHECKPOINT, { token: owner.token, variables: { w: workspaceId } }))).toEqual([
      "CONFLICT",
    ]);
    for (const full of [false, true]) {
      const result = await verify(workspaceId, owner.token, full);
      expect(result.valid).toBe(false);
      expect(result.truncated || result.rewritten).toBe(true);
      expect(result.checkpoint?.position).toBe(chain.length);
    }
  }, 90_000);

  test("a member with activity_log:view cannot sign checkpoints; an admin can", async () => {
    const workspaceId = await workspaceWithTeams(["Checkpoints"]);
    const member = await invitePerson(owner, [{ workspaceId, role: "MEMBER" }]);
    const admin = await invitePerson(owner, [{ workspaceId, role: "ADMIN" }]);
    expect((await verify(workspaceId, member.token)).valid).toBe(true);
    expect(errorCodes(await graphql(CHECKPOINT, { token: member.token, variables: { w: workspaceId } }))).toEqual([
      "FORBIDDEN",
    ]);
    const signed = await graphqlOk<{ checkpointActivityLog: { signatureValid: boolean } }>(CHECKPOINT, {
      token: admin.token,
      variables: { w: workspaceId },
    });
    expect(signed.checkpointActivityLog.signatureValid).toBe(true);
  }, 60_000);

  test("verification is incremental after a verified checkpoint, and rate-limited per workspace: RATE_LIMITED with retryAfterSeconds", async () => {
    const workspaceId = await workspaceWithTeams(["Verify 1"]);
    const chain = await chainOf(workspaceId, 2);
    const signed = await graphqlOk<{ checkpointActivityLog: { position: number } }>(CHECKPOINT, {
      token: owner.token,
      variables: { w: workspaceId },
    });
    const INCREMENTAL = `query($w: ID!) { verifyActivityLog(workspaceId: $w) { valid full verifiedFrom entriesChecked } }`;
    type Incremental = {
      verifyActivityLog: { valid: boolean; full: boolean; verifiedFrom: number; entriesChecked: number };
    };
    const first = await graphqlOk<Incremental>(INCREMENTAL, { token: owner.token, variables: { w: workspaceId } });
    expect(first.verifyActivityLog).toMatchObject({ valid: true, full: true, verifiedFrom: 0 });
    expect(first.verifyActivityLog.entriesChecked).toBeGreaterThanOrEqual(chain.length);
    // The next one starts after the checkpoint the first found intact.
    const second = await graphqlOk<Incremental>(INCREMENTAL, { token: owner.token, variables: { w: workspaceId } });
    expect(second.verifyActivityLog).toMatchObject({
      valid: true,
      full: false,
      verifiedFrom: signed.checkpointActivityLog.position,
    });

    // Twelve more at once, from every instance alike: the budget (10 a minute) is spent.
    const results = await Promise.all(
      Array.from({ length: 12 }, () => graphql(INCREMENTAL, { token: owner.token, variables: { w: workspaceId } })),
    );
    const limited = results.filter((r) => errorCodes(r).includes("RATE_LIMITED"));
    expect(results.filter((r) => r.data?.verifyActivityLog)).toHaveLength(8);
    expect(limited).toHaveLength(4);
    for (const refused of limited) {
      const retryAfter = refused.errors?.[0]?.extensions?.retryAfterSeconds as number;
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
    }
    expect(
      errorCodes(await graphql(VERIFY, { token: owner.token, variables: { w: workspaceId, full: true } })),
    ).toEqual(["RATE_LIMITED"]);
  }, 60_000);
});

describe("CSV export", () => {
  const EXPORT = `mutation($w: ID!) { exportActivityLog(workspaceId: $w) { url expiresAt nextAllowedAt } }`;
  const gatewayOrigin = () => new URL(testStack().gatewayUrl).origin;
  const download = (url: string, token?: string) =>
    fetch(url.startsWith("http") ? url : `${gatewayOrigin()}${url}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  test("20 at once: one link, 19 RATE_LIMITED; the link is the requester's, used once; formulas open as text", async () => {
    const workspaceId = await workspaceWithTeams(['=HYPERLINK("http://x")', "@SUM(A1)"]);
    const admin = await invitePerson(owner, [{ workspaceId, role: "ADMIN" }]);
    await chainOf(workspaceId, 3);

    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        graphql<{ exportActivityLog: { url: string } }>(EXPORT, {
          token: owner.token,
          variables: { w: workspaceId },
        }),
      ),
    );
    const won = results.filter((r) => r.data?.exportActivityLog);
    const limited = results.filter((r) => errorCodes(r).includes("RATE_LIMITED"));
    expect(won).toHaveLength(1);
    expect(limited).toHaveLength(19);
    for (const refused of limited) {
      const retryAfter = refused.errors?.[0]?.extensions?.retryAfterSeconds as number;
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
    }
    const url = won[0]!.data!.exportActivityLog.url;
    expect(url).toMatch(/\/downloads\/audit\/[0-9a-f-]{36}\.[\w-]+\.[0-9a-f]{64}$/);
    const path = new URL(url).pathname;
    const token = path.split("/").at(-1)!;

    // Hostile fetches first: none of them uses the link up. The link needs no header (a browser
    // follows it as it is, docs/adr/0009); a header that is sent must be the requester's.
    expect((await download(url, "sess_forged")).status).toBe(401);
    expect((await download(url, admin.token)).status).toBe(404);
    expect((await download(path.replace("/audit/", "/%61udit/"), admin.token)).status).toBe(404);
    expect((await download(path.replace("/audit/", "/%61udit/"))).status).toBe(404);
    const tampered = token.slice(0, -1) + (token.endsWith("0") ? "1" : "0");
    expect((await download(`/downloads/audit/${tampered}`, owner.token)).status).toBe(404);
    expect((await download(`/downloads/audit/${tampered}`)).status).toBe(404);
    expect((await download(`/downloads/identity/${token}`, owner.token)).status).toBe(404);
    expect((await download(`/downloads/workspace/${token}`)).status).toBe(404);
    expect((await download(`/downloads/audit/..%2F..%2Fgraphql`, owner.token)).status).toBe(404);

    // Followed as a plain link, without any header.
    const response = await download(url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(response.headers.get("content-disposition")).toMatch(/^attachment; filename="activity-log-/);
    const csv = await response.text();
    const [header, ...lines] = csv.trim().split("\n");
    expect(header).toBe(
      "occurred_at,action,category,summary,actor_type,actor_id,actor_label,target_type,target_id,target_label,changes,chain_position,entry_hash",
    );
    expect(lines.length).toBeGreaterThanOrEqual(3);
    // The team's name as a cell: prefixed with ', so a spreadsheet shows it instead of running it.
    expect(csv).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(csv).toContain(",'@SUM(A1),");
    expect(csv).not.toMatch(/,=HYPERLINK/);

    // Used: refused the second time, with or without the requester's header.
    expect((await download(url)).status).toBe(404);
    expect((await download(url, owner.token)).status).toBe(404);
  }, 90_000);

  test("two fetches of one link at the same moment: exactly one gets the file", async () => {
    const workspaceId = await workspaceWithTeams(["Racing"]);
    await chainOf(workspaceId, 2);
    const { exportActivityLog } = await graphqlOk<{ exportActivityLog: { url: string; nextAllowedAt: string } }>(
      EXPORT,
      {
        token: owner.token,
        variables: { w: workspaceId },
      },
    );
    expect(Date.parse(exportActivityLog.nextAllowedAt) - Date.now()).toBeGreaterThan(50_000);
    // One with the requester's header, one as a plain link: still one file (single use in PostgreSQL).
    const statuses = await Promise.all([
      download(exportActivityLog.url, owner.token).then(async (r) => (await r.text(), r.status)),
      download(exportActivityLog.url).then(async (r) => (await r.text(), r.status)),
    ]);
    expect(statuses.sort()).toEqual([200, 404]);
  }, 60_000);
});

const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("reading the log", () => {
  test("filters by target, actor and category; bad cursors and page sizes are refused; stats count per member and category", async () => {
    const workspaceId = await workspaceWithTeams(["Alpha", "Beta"]);
    const chain = await chainOf(workspaceId, 3);
    const LOG = `query($w: ID!, $f: ActivityFilter, $n: Int, $a: String) {
      activityLog(workspaceId: $w, filter: $f, first: $n, after: $a) { nodes { id action target { type label } actor { id } } pageInfo { hasNextPage endCursor } } }`;
    type Page = {
      activityLog: {
        nodes: Array<{ id: string; action: string; target: { type: string; label: string } }>;
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    };
    const teams = await graphqlOk<Page>(LOG, {
      token: owner.token,
      variables: { w: workspaceId, f: { targetType: "team" } },
    });
    expect(teams.activityLog.nodes.map((e) => e.target.label)).toEqual(["Beta", "Alpha"]);
    const byActor = await graphqlOk<Page>(LOG, {
      token: owner.token,
      variables: { w: workspaceId, f: { actorId: owner.userId, category: "team" } },
    });
    expect(byActor.activityLog.nodes).toHaveLength(2);
    // Load older: page by page, no entry twice, none lost.
    const first = await graphqlOk<Page>(LOG, { token: owner.token, variables: { w: workspaceId, n: 1 } });
    const second = await graphqlOk<Page>(LOG, {
      token: owner.token,
      variables: { w: workspaceId, n: 100, a: first.activityLog.pageInfo.endCursor },
    });
    expect([...first.activityLog.nodes, ...second.activityLog.nodes].map((e) => e.id).sort()).toEqual(
      chain.map((c) => c.event_id).sort(),
    );

    for (const variables of [
      { w: workspaceId, a: "not-a-cursor" },
      // Cursors shaped right but outside what the columns hold (bigint, timestamptz).
      { w: workspaceId, a: cursor({ occurredAt: new Date().toISOString(), seq: "9999999999999999999" }) },
      { w: workspaceId, a: cursor({ occurredAt: "-200000-01-01T00:00:00.000Z", seq: "1" }) },
      { w: workspaceId, a: cursor({ occurredAt: new Date().toISOString(), seq: 1 }) },
      { w: workspaceId, n: 101 },
      { w: workspaceId, f: { from: "yesterday" } },
      { w: workspaceId, f: { targetType: "team\u202E" } },
    ]) {
      expect(errorCodes(await graphql(LOG, { token: owner.token, variables }))).toEqual(["BAD_USER_INPUT"]);
    }

    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const stats = await graphqlOk<{
      activityStats: {
        categories: string[];
        members: {
          nodes: Array<{
            actor: { type: string; id: string };
            total: number;
            byCategory: Array<{ category: string; count: number }>;
          }>;
        };
      };
    }>(
      `query($w: ID!, $from: DateTime!, $to: DateTime!) { activityStats(workspaceId: $w, from: $from, to: $to) {
        categories members(first: 100) { nodes { actor { type id } total byCategory { category count } } } } }`,
      { token: owner.token, variables: { w: workspaceId, from, to } },
    );
    const counted = await auditQuery<{ category: string; count: number }>(
      `SELECT category, count(*)::int AS count FROM activity_entry WHERE workspace_id = $1 AND actor_id = $2 GROUP BY category ORDER BY category`,
      [workspaceId, owner.userId],
    );
    const mine = stats.activityStats.members.nodes.find((m) => m.actor.id === owner.userId);
    expect(mine?.byCategory).toEqual(counted);
    expect(mine?.total).toBe(counted.reduce((sum, c) => sum + c.count, 0));
    expect(stats.activityStats.categories).toEqual(expect.arrayContaining(["team"]));
    // Whole UTC days (yesterday to the end of today) come from the per-day counts kept at
    // ingestion; they must agree with the entries themselves.
    const today = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
    const days = await graphqlOk<{
      activityStats: {
        members: { nodes: Array<{ actor: { id: string }; byCategory: Array<{ category: string; count: number }> }> };
      };
    }>(
      `query($w: ID!, $from: DateTime!, $to: DateTime!) { activityStats(workspaceId: $w, from: $from, to: $to) {
        members(first: 100) { nodes { actor { id } byCategory { category count } } } } }`,
      {
        token: owner.token,
        variables: {
          w: workspaceId,
          from: new Date(today.getTime() - 86_400_000).toISOString(),
          to: new Date(today.getTime() + 86_400_000).toISOString(),
        },
      },
    );
    expect(days.activityStats.members.nodes.find((m) => m.actor.id === owner.userId)?.byCategory).toEqual(counted);
    const [daily] = await auditQuery<{ n: number }>(
      `SELECT coalesce(sum(count), 0)::int AS n FROM activity_daily_count WHERE workspace_id = $1`,
      [workspaceId],
    );
    const [entries] = await auditQuery<{ n: number }>(
      `SELECT count(*)::int AS n FROM activity_entry WHERE workspace_id = $1`,
      [workspaceId],
    );
    expect(daily?.n).toBe(entries?.n);
    expect(
      errorCodes(
        await graphql(
          `
            query ($w: ID!) {
              activityStats(workspaceId: $w, from: "2026-02-01T00:00:00Z", to: "2026-01-01T00:00:00Z") {
                from
              }
            }
          `,
          {
            token: owner.token,
            variables: { w: workspaceId },
          },
        ),
      ),
    ).toEqual(["BAD_USER_INPUT"]);
  }, 60_000);

  test("pages forward (load older) and backward (newer) over the log: every entry once, in order; entries recorded meanwhile shift nothing", async () => {
    const workspaceId = await workspaceWithTeams(["One", "Two", "Three", "Four"]);
    const PAGE = `query($w: ID!, $first: Int, $after: String, $last: Int, $before: String, $f: ActivityFilter) {
      activityLog(workspaceId: $w, first: $first, after: $after, last: $last, before: $before, filter: $f) {
        edges { cursor node { id occurredAt } } nodes { id occurredAt }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
    type Connection = {
      edges: Array<{ cursor: string; node: { id: string; occurredAt: string } }>;
      nodes: Array<{ id: string; occurredAt: string }>;
      pageInfo: {
        hasNextPage: boolean;
        hasPreviousPage: boolean;
        startCursor: string | null;
        endCursor: string | null;
      };
    };
    const read = async (variables: Record<string, unknown>) => {
      const page = (
        await graphqlOk<{ activityLog: Connection }>(PAGE, {
          token: owner.token,
          variables: { w: workspaceId, ...variables },
        })
      ).activityLog;
      // One page, two views of it: the edges' nodes are the nodes, their cursors the page's ends.
      expect(page.edges.map((edge) => edge.node)).toEqual(page.nodes);
      expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor ?? null);
      expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
      // Instants as ISO 8601 UTC with milliseconds.
      for (const node of page.nodes) expect(node.occurredAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      return page;
    };
    /** The log's order, newest first, as the database holds it. */
    const newestFirst = async () =>
      (
        await auditQuery<{ event_id: string }>(
          `SELECT event_id FROM activity_entry WHERE workspace_id = $1 ORDER BY occurred_at DESC, seq DESC`,
          [workspaceId],
        )
      ).map((row) => row.event_id);
    const log = await newestFirst();
    expect(log.length).toBeGreaterThanOrEqual(7);

    // Load older, two at a time; a new entry recorded after the first page does not shift the rest.
    const forward: string[] = [];
    let page = await read({ first: 2 });
    expect(page.pageInfo.hasPreviousPage).toBe(false);
    forward.push(...page.nodes.map((node) => node.id));
    await graphqlOk(`mutation($w: ID!) { createTeam(workspaceId: $w, input: { name: "Five" }) { id } }`, {
      token: owner.token,
      variables: { w: workspaceId },
    });
    await chainOf(workspaceId, log.length + 1);
    while (page.pageInfo.hasNextPage) {
      page = await read({ first: 2, after: page.pageInfo.endCursor });
      expect(page.pageInfo.hasPreviousPage).toBe(true);
      forward.push(...page.nodes.map((node) => node.id));
    }
    expect(forward).toEqual(log);

    // Backward: from the oldest (last without before) back towards the newest, the new entry included.
    const now = await newestFirst();
    expect(now.slice(1)).toEqual(log);
    const backward: string[] = [];
    page = await read({ last: 3 });
    expect(page.pageInfo.hasNextPage).toBe(false);
    backward.unshift(...page.nodes.map((node) => node.id));
    while (page.pageInfo.hasPreviousPage) {
      page = await read({ last: 3, before: page.pageInfo.startCursor });
      expect(page.pageInfo.hasNextPage).toBe(true);
      backward.unshift(...page.nodes.map((node) => node.id));
    }
    expect(backward).toEqual(now);

    // From the middle: newer than an entry (before its cursor) and older than it (after its cursor).
    const whole = await read({ first: 100 });
    const middle = whole.edges[4]!;
    expect((await read({ last: 2, before: middle.cursor })).nodes.map((node) => node.id)).toEqual(now.slice(2, 4));
    expect((await read({ first: 2, after: middle.cursor })).nodes.map((node) => node.id)).toEqual(now.slice(5, 7));
    // A filter holds in both directions.
    const teams = await read({ last: 100, f: { action: "team.created" } });
    expect(teams.nodes).toHaveLength(5);
    expect(teams.nodes.map((node) => node.id)).toEqual(
      (await read({ f: { action: "team.created" } })).nodes.map((node) => node.id),
    );

    // Refused, naming the argument: first with last, a forged cursor either way, a malformed instant.
    const refusal = async (variables: Record<string, unknown>) => {
      const result = await graphql(PAGE, { token: owner.token, variables: { w: workspaceId, ...variables } });
      return { codes: errorCodes(result), field: result.errors?.[0]?.extensions?.field };
    };
    expect(await refusal({ first: 2, last: 2 })).toEqual({ codes: ["BAD_USER_INPUT"], field: "last" });
    expect(await refusal({ first: 2, before: middle.cursor })).toEqual({ codes: ["BAD_USER_INPUT"], field: "before" });
    expect(await refusal({ last: 101 })).toEqual({ codes: ["BAD_USER_INPUT"], field: "last" });
    const forged = cursor({ occurredAt: "2024-02-30T00:00:00.000Z", seq: "1" });
    expect(await refusal({ after: forged })).toEqual({ codes: ["BAD_USER_INPUT"], field: "after" });
    expect(await refusal({ last: 2, before: forged })).toEqual({ codes: ["BAD_USER_INPUT"], field: "before" });
    expect(await refusal({ before: "not-a-cursor" })).toEqual({ codes: ["BAD_USER_INPUT"], field: "before" });
    for (const from of ["yesterday", "2024-02-30T00:00:00Z", "2024-01-01T00:00:00"]) {
      expect((await refusal({ f: { from } })).codes).toEqual(["BAD_USER_INPUT"]);
    }
  }, 90_000);

  test("a deleted workspace's log stays readable by its organisation's admins, and by nobody else", async () => {
    const deletedId = randomUUID();
    const before = createEvent(slaWarning(deletedId, owner.organisationId, "Before the deletion"));
    const deletion = createEvent({
      type: "workspace.deleted",
      workspaceId: deletedId,
      organisationId: owner.organisationId,
      actor: { type: "user", id: owner.userId },
      target: { type: "workspace", id: deletedId, label: "Closed desk" },
      changes: [],
      data: {},
      // Strictly after the warning: two events of one millisecond would order by arrival instead.
      occurredAt: new Date(Date.parse(before.occurredAt) + 1).toISOString(),
    } as NewEvent);
    await send(before);
    await sendToTopic("workspace.events", [{ key: deletedId, value: JSON.stringify(deletion) }]);
    await chainOf(deletedId, 2);
    const LOG = `query($w: ID!) { activityLog(workspaceId: $w) { nodes { action } } }`;
    const read = await graphqlOk<{ activityLog: { nodes: Array<{ action: string }> } }>(LOG, {
      token: owner.token,
      variables: { w: deletedId },
    });
    // The services' purge reports (workspace_data.*) may already follow the deletion.
    expect(read.activityLog.nodes.map((e) => e.action).filter((a) => !a.startsWith("workspace_data."))).toEqual([
      "workspace.deleted",
      "sla.warning",
    ]);

    const member = await createOrgMember(owner.organisationId);
    const stranger = await signUp();
    for (const token of [member.token, stranger.token]) {
      expect(errorCodes(await graphql(LOG, { token, variables: { w: deletedId } }))).toEqual(["NOT_FOUND"]);
    }
  }, 60_000);
});
