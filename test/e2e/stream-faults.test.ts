import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import pg from "pg";
import { ACTOR_CONTEXT_HEADER, type Actor } from "@support/actor-context";
import {
  createWorkspace,
  eventually,
  graphql,
  graphqlOk,
  internalContext,
  signUp,
  testStack,
  type SignedUpUser,
} from "../harness/stack.js";
import { createEvent } from "@support/events";
import { auditQuery, databaseUrlOf, disconnectProducer, sendToTopic, slaWarning } from "../harness/audit.js";
import { freePort, stableGroupMembers, startService, stopStartedServices } from "../harness/service-process.js";
import { createTicket } from "../harness/ticketing.js";
import { workspaceQuery } from "../harness/people.js";

/**
 * Issue 21: no fault crashes or stalls a process. A database failing in the middle of a large
 * download, readers that stop reading: the service stays up, answers everyone else, and the reader
 * of a broken file sees a failed download, never one that looks complete.
 */
afterAll(async () => {
  await stopStartedServices();
  await disconnectProducer();
});

let owner: SignedUpUser;
beforeAll(async () => {
  owner = await signUp({ organisationName: "Stream faults" });
});

const actorOf = (user: SignedUpUser): Actor => ({
  kind: "user",
  userId: user.userId,
  organisationId: user.organisationId,
  orgRole: "ORG_ADMIN",
  sessionId: randomUUID(),
});

/** A GET of another service's internal route, as a service would call it for `user`. */
async function internalGet(base: string, path: string, user: SignedUpUser): Promise<Response> {
  return fetch(`${base}${path}`, { headers: { [ACTOR_CONTEXT_HEADER]: await internalContext(actorOf(user)) } });
}

/** Reads a body to its end: how many bytes came, and the error that ended it early, if any. */
async function readToEnd(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<{ bytes: number; error?: unknown }> {
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { bytes };
      bytes += value.byteLength;
    }
  } catch (error) {
    return { bytes, error };
  }
}

/** An admin session on a service's database (the harness's server login). */
async function admin<T>(service: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrlOf(service) });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * The database fails a query of a stream in flight: `table` is locked, the stream's next query
 * waits for it and is terminated (as a failover or an operator would), then the lock goes.
 */
async function failNextQuery(service: string, table: string, matching: string): Promise<void> {
  await admin(service, async (locker) => {
    await locker.query("BEGIN");
    await locker.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
    try {
      await eventually(
        async () => {
          const { rowCount } = await locker.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid()
                AND wait_event_type = 'Lock' AND query LIKE $1`,
            [matching],
          );
          return rowCount ? true : undefined;
        },
        30_000,
        `a query of the stream waiting on ${table}`,
      );
    } finally {
      await locker.query("ROLLBACK");
    }
  });
}

const health = async (url: string) => (await fetch(`${url}/health`)).status;

/** A workspace with `count` more tickets (1 KiB descriptions: tens of MiB of CSV, far past any socket buffer). */
async function workspaceWithManyTickets(count: number): Promise<string> {
  const workspaceId = await createWorkspace(owner.token, `Big ${Date.now()}`);
  await createTicket(owner.token, workspaceId, { title: "first" });
  await admin("ticketing", (db) =>
    db.query(
      `INSERT INTO ticket (id, workspace_id, organisation_id, number, title, description, updated_at)
       SELECT gen_random_uuid(), $1, $2, 1000 + g, 'Seeded ' || g, repeat('x', 1024), now()
         FROM generate_series(1, $3::int) AS g`,
      [workspaceId, owner.organisationId, count],
    ),
  );
  return workspaceId;
}

/** The shape of ticketing's page query of tickets.csv (Prisma's SQL for the ticket table). */
const TICKET_PAGE = `%FROM "public"."ticket"%`;

describe("a database failing mid-download", () => {
  test("ticketing's tickets.csv: the download is cut off, the process stays up and answers", async () => {
    const { ticketing } = testStack().serviceUrls;
    const workspaceId = await workspaceWithManyTickets(30_000);
    const response = await internalGet(ticketing, `/internal/workspace-data/${workspaceId}/tickets.csv`, owner);
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    // Reading on makes ticketing fetch further pages; the next one fails.
    const [read] = await Promise.all([readToEnd(reader), failNextQuery("ticketing", "ticket", TICKET_PAGE)]);
    expect(read.error).toBeDefined();
    expect(read.bytes).toBeLessThan(30_000 * 1024);
    // Still up: health and an ordinary request.
    expect(await health(ticketing)).toBe(200);
    const again = await internalGet(ticketing, `/internal/workspace-data/${workspaceId}/ticket-fields.csv`, owner);
    expect(again.status).toBe(200);
    await again.text();
  }, 180_000);

  test("the workspace zip: its reader gets a failed download; workspace and ticketing stay up", async () => {
    const { ticketing, workspace } = testStack().serviceUrls;
    const workspaceId = await workspaceWithManyTickets(30_000);
    const { exportWorkspaceData } = await graphqlOk<{ exportWorkspaceData: { url: string } }>(
      `mutation($w: ID!) { exportWorkspaceData(id: $w) { url } }`,
      { token: owner.token, variables: { w: workspaceId } },
    );
    const url = new URL(exportWorkspaceData.url, testStack().gatewayUrl);
    const response = await fetch(url, { headers: { authorization: `Bearer ${owner.token}` } });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    const [read] = await Promise.all([readToEnd(reader), failNextQuery("ticketing", "ticket", TICKET_PAGE)]);
    // Not a zip that ends as if complete: the transfer fails.
    expect(read.error).toBeDefined();
    expect(await health(ticketing)).toBe(200);
    expect(await health(workspace)).toBe(200);
    await graphqlOk(`query { me { id } }`, { token: owner.token });
  }, 180_000);
});

/** A workspace whose activity log holds `count` more entries (copies of its first, on a chain of their own). */
async function workspaceWithLongLog(count: number): Promise<string> {
  const workspaceId = await createWorkspace(owner.token, `Long log ${Date.now()}`);
  await eventually(
    async () =>
      (
        await admin("audit", (db) =>
          db.query(`SELECT 1 FROM activity_entry WHERE workspace_id = $1 LIMIT 1`, [workspaceId]),
        )
      ).rowCount
        ? true
        : undefined,
    30_000,
    "the workspace's first entry",
  );
  await admin("audit", async (db) => {
    // As an operator with triggers off: the seeded entries sit on a chain of their own.
    await db.query("SET session_replication_role = replica");
    await db.query(
      `INSERT INTO activity_entry (event_id, workspace_id, organisation_id, action, category, actor_type, actor_id,
                                   actor_label, target_type, target_id, target_label, changes, occurred_at,
                                   chain_key, chain_position, previous_hash, entry_hash, key_id)
       SELECT gen_random_uuid(), e.workspace_id, e.organisation_id, e.action, e.category, e.actor_type, e.actor_id,
              e.actor_label, e.target_type, e.target_id, repeat('L', 200), e.changes,
              e.occurred_at - g * interval '1 millisecond', 'seed:' || e.workspace_id, g, e.previous_hash,
              e.entry_hash, e.key_id
         FROM (SELECT * FROM activity_entry WHERE workspace_id = $1 ORDER BY seq LIMIT 1) AS e,
              generate_series(1, $2::int) AS g`,
      [workspaceId, count],
    );
  });
  return workspaceId;
}

const ACTIVITY_LOG = `query($w: ID!) { activityLog(workspaceId: $w, first: 5) { nodes { id } } }`;

describe("slow export readers", () => {
  test("ten readers that stop reading leave activityLog answering", async () => {
    const { audit } = testStack().serviceUrls;
    const workspaceId = await workspaceWithLongLog(60_000);
    const readers: Array<ReadableStreamDefaultReader<Uint8Array>> = [];
    for (let i = 0; i < 10; i += 1) {
      const response = await internalGet(audit, `/internal/workspace-data/${workspaceId}/activity-log.csv`, owner);
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      expect((await reader.read()).done).toBe(false);
      readers.push(reader);
    }
    try {
      // Generous: a starved pool never answers at all.
      const answered = await Promise.race([
        graphql(ACTIVITY_LOG, { token: owner.token, variables: { w: workspaceId } }),
        new Promise<"stalled">((resolve) => setTimeout(() => resolve("stalled"), 8_000).unref()),
      ]);
      expect(answered === "stalled" ? "stalled" : { errors: answered.errors ?? [] }).toEqual({ errors: [] });
      expect(await health(audit)).toBe(200);
    } finally {
      await Promise.all(readers.map((reader) => reader.cancel().catch(() => undefined)));
    }
  }, 180_000);

  test("a reader that stops is cut off after AUDIT_EXPORT_IDLE_SECONDS; the instance answers on", async () => {
    const instance = await startService("audit", { AUDIT_EXPORT_IDLE_SECONDS: "1" });
    const workspaceId = await workspaceWithLongLog(60_000);
    const response = await internalGet(instance.url, `/internal/workspace-data/${workspaceId}/activity-log.csv`, owner);
    expect({ status: response.status, log: response.status === 200 ? "" : instance.output().slice(-3000) }).toEqual({
      status: 200,
      log: "",
    });
    const reader = response.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    // Stop reading well past the limit, then read what is left: the file was cut off, not finished.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const read = await readToEnd(reader);
    expect(read.error).toBeDefined();
    expect(await health(instance.url)).toBe(200);
    // The connection went back: another export of the same instance streams to its end.
    const small = await createWorkspace(owner.token, `Small ${Date.now()}`);
    await eventually(
      async () => {
        const again = await internalGet(instance.url, `/internal/workspace-data/${small}/activity-log.csv`, owner);
        return again.status === 200 && (await again.text()).includes("workspace.created") ? true : undefined;
      },
      30_000,
      "a whole small export",
    );
  }, 180_000);
});

describe("another service away when a file is asked for", () => {
  /** The code of an internal route's JSON answer (the services' error handler), or its text. */
  const answerOf = async (response: Response) => {
    const text = await response.text();
    try {
      const body = JSON.parse(text) as { errors?: Array<{ extensions?: { code?: string } }> };
      return { status: response.status, code: body.errors?.[0]?.extensions?.code };
    } catch {
      return { status: response.status, text };
    }
  };

  test("an activity-log link is 503, never 'unknown, used or expired', and still downloads once it is back", async () => {
    const workspaceId = await createWorkspace(owner.token, `Export away ${Date.now()}`);
    const { exportActivityLog } = await graphqlOk<{ exportActivityLog: { url: string } }>(
      `mutation($w: ID!) { exportActivityLog(workspaceId: $w) { url } }`,
      { token: owner.token, variables: { w: workspaceId } },
    );
    const token = new URL(exportActivityLog.url).pathname.split("/").at(-1)!;
    const cutOff = await startService("audit", { WORKSPACE_SERVICE_URL: `http://127.0.0.1:${await freePort()}` });
    // The requester's rights cannot be learnt: the client is told to retry, not that the link is gone.
    expect(await answerOf(await internalGet(cutOff.url, `/internal/downloads/${token}`, owner))).toEqual({
      status: 503,
      code: "SERVICE_UNAVAILABLE",
    });
    expect(
      await answerOf(await internalGet(cutOff.url, `/internal/workspace-data/${workspaceId}/activity-log.csv`, owner)),
    ).toEqual({
      status: 503,
      code: "SERVICE_UNAVAILABLE",
    });
    // The refusal consumed nothing: the same link, followed through the gateway, is the file.
    const response = await fetch(exportActivityLog.url, { headers: { authorization: `Bearer ${owner.token}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/csv/);
    await response.arrayBuffer();
  }, 120_000);

  test("a workspace zip whose tickets cannot be had is 503 with Retry-After; the same link downloads once they can", async () => {
    const workspaceId = await createWorkspace(owner.token, `Zip away ${Date.now()}`);
    const { exportWorkspaceData } = await graphqlOk<{ exportWorkspaceData: { url: string } }>(
      `mutation($w: ID!) { exportWorkspaceData(id: $w) { url } }`,
      { token: owner.token, variables: { w: workspaceId } },
    );
    const token = new URL(exportWorkspaceData.url).pathname.split("/").at(-1)!;
    const cutOff = await startService("workspace", { TICKETING_SERVICE_URL: `http://127.0.0.1:${await freePort()}` });
    const refused = await internalGet(cutOff.url, `/internal/downloads/${token}`, owner);
    expect({ status: refused.status, retryAfter: refused.headers.get("retry-after") }).toEqual({
      status: 503,
      retryAfter: "5",
    });
    await refused.arrayBuffer();
    // Nothing was consumed: the link, followed through the gateway, is the zip.
    const response = await fetch(exportWorkspaceData.url, { headers: { authorization: `Bearer ${owner.token}` } });
    expect({ status: response.status, type: response.headers.get("content-type") }).toEqual({
      status: 200,
      type: "application/zip",
    });
    await response.arrayBuffer();
    // And once only: used, it is 404 even where the tickets still cannot be had (not "retry").
    const again = await fetch(exportWorkspaceData.url, { headers: { authorization: `Bearer ${owner.token}` } });
    expect(again.status).toBe(404);
    await again.arrayBuffer();
    const usedAtCutOff = await internalGet(cutOff.url, `/internal/downloads/${token}`, owner);
    expect(usedAtCutOff.status).toBe(404);
    await usedAtCutOff.arrayBuffer();
  }, 120_000);

  test("ticketing's tickets.csv for the workspace export is 503, never 'workspace not found'", async () => {
    const workspaceId = await createWorkspace(owner.token, `Tickets away ${Date.now()}`);
    const cutOff = await startService("ticketing", { WORKSPACE_SERVICE_URL: `http://127.0.0.1:${await freePort()}` });
    for (const file of ["tickets.csv", "ticket-fields.csv"])
      expect(
        await answerOf(await internalGet(cutOff.url, `/internal/workspace-data/${workspaceId}/${file}`, owner)),
      ).toEqual({
        status: 503,
        code: "SERVICE_UNAVAILABLE",
      });
    // The harness's own ticketing, which reaches the workspace service, answers the same file.
    const response = await internalGet(
      testStack().serviceUrls.ticketing,
      `/internal/workspace-data/${workspaceId}/tickets.csv`,
      owner,
    );
    expect(response.status).toBe(200);
    await response.arrayBuffer();
  }, 120_000);
});

describe("identity away when an invitation's seat is decided", () => {
  test("a full workspace whose reservations identity cannot vouch for is SERVICE_UNAVAILABLE, never PLAN_LIMIT; nothing is released", async () => {
    const workspaceId = await createWorkspace(owner.token, `Seats away ${Date.now()}`);
    // The owner and two reservations fill the trial's 3 seats; identity never recorded either
    // (as an inviteUser killed after reserving, or a revocation whose event has not arrived).
    const [orphanA, orphanB] = [randomUUID(), randomUUID()];
    await workspaceQuery(
      `INSERT INTO pending_invitation (invitation_id, workspace_id, email, role, expires_at)
       VALUES ($1, $3, 'away-a@example.test', 'MEMBER', now() + interval '7 days'),
              ($2, $3, 'away-b@example.test', 'MEMBER', now() + interval '7 days')`,
      [orphanA, orphanB, workspaceId],
    );
    const reservations = async () =>
      (
        await workspaceQuery<{ invitation_id: string }>(
          `SELECT invitation_id::text FROM pending_invitation WHERE workspace_id = $1 ORDER BY 1`,
          [workspaceId],
        )
      ).map((row) => row.invitation_id);

    const cutOff = await startService("workspace", { IDENTITY_SERVICE_URL: `http://127.0.0.1:${await freePort()}` });
    // identity's inviteUser asks for the seat as it does through the gateway.
    const reserve = await fetch(`${cutOff.url}/internal/invitations/reserve`, {
      method: "POST",
      headers: { "content-type": "application/json", [ACTOR_CONTEXT_HEADER]: await internalContext(actorOf(owner)) },
      body: JSON.stringify({
        invitationId: randomUUID(),
        email: "away-new@example.test",
        expiresAt: new Date(Date.now() + 7 * 24 * 3_600_000).toISOString(),
        workspaces: [{ workspaceId, role: "MEMBER" }],
      }),
    });
    expect(reserve.status).toBe(200);
    expect(((await reserve.json()) as { error?: { code?: string } }).error?.code).toBe("SERVICE_UNAVAILABLE");
    expect(await reservations()).toEqual([orphanA, orphanB].sort());

    // Through the harness's workspace, which reaches identity, the orphans go back and the invitation is made.
    const invited = await graphql<{ inviteUser: { invitation: { id: string } } }>(
      `
        mutation ($input: InviteUserInput!) {
          inviteUser(input: $input) {
            invitation {
              id
            }
          }
        }
      `,
      {
        token: owner.token,
        variables: {
          input: {
            firstName: "Seat",
            lastName: "Back",
            email: `away-back.${randomUUID()}@example.test`,
            workspaces: [{ workspaceId, role: "MEMBER" }],
          },
        },
      },
    );
    expect(invited.errors ?? []).toEqual([]);
    expect(await reservations()).toEqual([invited.data!.inviteUser.invitation.id]);
  }, 120_000);
});

describe("periodic checkpoints when appends commit out of order", () => {
  /** Whether the chain has a checkpoint signed at `position`. */
  const signedAt = async (chainKey: string, position: number) =>
    (
      await auditQuery<{ n: number }>(
        `SELECT count(*)::int AS n FROM chain_checkpoint WHERE chain_key = $1 AND position = $2`,
        [chainKey, position],
      )
    )[0]!.n > 0;

  test("an entry committed after a later-numbered one was checkpointed is still signed by the next periodic run", async () => {
    // Beside the harness's audit (every 60 s): an instance that checkpoints every second. It joins
    // the activity-log group; the group settles before anything is held up below, with only these
    // two (the earlier tests' instances are stopped; a killed member leaves when its session ends).
    await stopStartedServices();
    await startService("audit", { AUDIT_CHECKPOINT_INTERVAL_SECONDS: "1" });
    await stableGroupMembers("audit.activity-log", 2, 60_000);

    const late = createEvent(slaWarning(randomUUID(), owner.organisationId, "Committed late"));
    // An uncommitted row holding the late event's id: the consumer's insert of that event takes its
    // seq, then waits on the unique event_id index until this transaction ends.
    const blocker = new pg.Client({ connectionString: databaseUrlOf("audit") });
    await blocker.connect();
    try {
      await blocker.query("BEGIN");
      await blocker.query(
        `INSERT INTO activity_entry (event_id, organisation_id, action, category, actor_type, target_type, target_id,
                                     changes, occurred_at, chain_key, chain_position, previous_hash, entry_hash)
         VALUES ($1, $2, 'test.blocker', 'test', 'system', 'test', 'blocker', '[]', now(), $3, 1, '', '')`,
        [late.id, owner.organisationId, `blocker-${randomUUID()}`],
      );
      const [{ pid }] = (await blocker.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows as [
        { pid: number },
      ];
      await sendToTopic("ticketing.events", [{ key: late.workspaceId!, value: JSON.stringify(late) }]);
      await eventually(
        async () =>
          (
            await auditQuery<{ n: number }>(
              `SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`,
              [pid],
            )
          )[0]!.n > 0
            ? true
            : undefined,
        30_000,
        "the late event's insert waiting on the blocker",
      );

      // Entries of other workspaces (other partitions: eight keys, so at least one is not the late
      // one's), numbered after the waiting one, commit and are checkpointed.
      const others = Array.from({ length: 8 }, () =>
        createEvent(slaWarning(randomUUID(), owner.organisationId, "Committed first")),
      );
      await sendToTopic(
        "ticketing.events",
        others.map((event) => ({ key: event.workspaceId!, value: JSON.stringify(event) })),
      );
      await eventually(
        async () => {
          for (const event of others) if (await signedAt(event.workspaceId!, 1)) return true;
          return undefined;
        },
        30_000,
        "a later entry checkpointed while the late one waits",
      );
    } finally {
      await blocker.query("ROLLBACK").catch(() => undefined);
      await blocker.end();
    }

    // The late entry commits now, numbered before entries a periodic run has already passed.
    await eventually(
      async () =>
        (await auditQuery(`SELECT 1 FROM activity_entry WHERE event_id = $1`, [late.id])).length > 0 ? true : undefined,
      30_000,
      "the late entry in the log",
    );
    // Signed within a few of the one-second runs (the harness's own instance runs once a minute).
    await eventually(
      async () => ((await signedAt(late.workspaceId!, 1)) ? true : undefined),
      8_000,
      "the late entry's chain checkpointed at its head",
    );
  }, 180_000);
});
