/**
 * After a chaos or soak run: is every mutation that answered success in its service's database
 * and in the activity log exactly once, in the order its client made it? And is nothing left
 * behind (outbox backlog, consumer lag)? Read straight from the databases and the broker.
 */
import pg from "pg";
import type { Kafka } from "kafkajs";
import type { ServiceName } from "../services.js";
import type { Ledger } from "./mixed-load.js";

/** The connection string of each service's database (as a privileged login: this is a check). */
export type DatabaseUrls = Record<ServiceName, string>;

export interface LedgerCheck {
  /** Everything that is not as it should be; empty when the run lost and duplicated nothing. */
  problems: string[];
  /** Activity-log entries the ledger's mutations must have made, and how many there are. */
  expectedEntries: number;
  foundEntries: number;
}

async function query<Row extends pg.QueryResultRow>(url: string, sql: string, values: unknown[]): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** The status every ticket is created with (ticketing's createTicket and import). */
const INITIAL_TICKET_STATUS = "OPEN";

/**
 * Places one client's successful status changes, in its order, on the statuses a ticket went
 * through (`visited[0]` its first, `visited[i]` the one its i-th logged change made): each success
 * either made a later transition than the one before it, or changed nothing because the ticket
 * already had that status. The earliest place is always taken (so no later success is starved).
 * Undefined when they cannot be placed in order; otherwise how many were transitions.
 */
export function matchStatusChanges(
  successes: readonly string[],
  visited: readonly string[],
): { transitions: number } | undefined {
  let at = 0;
  let transitions = 0;
  for (const status of successes) {
    if (visited[at] === status) continue;
    const next = visited.indexOf(status, at + 1);
    if (next < 0) return undefined;
    at = next;
    transitions += 1;
  }
  return { transitions };
}

export async function checkLedger(ledger: Ledger, databases: DatabaseUrls): Promise<LedgerCheck> {
  const problems: string[] = [];
  const tickets = [...ledger.ticketsByWorkspace.values()].flat();

  // In their services' databases.
  const storedTickets = new Map(
    (
      await query<{ id: string; status: string }>(
        databases.ticketing,
        `SELECT id::text, status::text FROM ticket WHERE id = ANY($1::uuid[])`,
        [tickets],
      )
    ).map((row) => [row.id, row.status]),
  );
  for (const id of tickets)
    if (!storedTickets.has(id)) problems.push(`ticket ${id} answered success but is not stored`);
  const replyIds = ledger.replies.map((reply) => reply.replyId);
  const storedReplies = new Set(
    (
      await query<{ id: string }>(databases.ticketing, `SELECT id::text FROM ticket_reply WHERE id = ANY($1::uuid[])`, [
        replyIds,
      ])
    ).map((row) => row.id),
  );
  for (const id of replyIds)
    if (!storedReplies.has(id)) problems.push(`reply ${id} answered success but is not stored`);
  const invitationIds = ledger.invitations.map((invitation) => invitation.invitationId);
  const storedInvitations = new Set(
    (
      await query<{ id: string }>(databases.identity, `SELECT id::text FROM invitation WHERE id = ANY($1::uuid[])`, [
        invitationIds,
      ])
    ).map((row) => row.id),
  );
  for (const id of invitationIds) {
    if (!storedInvitations.has(id)) problems.push(`invitation ${id} answered success but is not stored`);
  }
  const storedStripeEvents = new Set(
    (
      await query<{ id: string }>(databases.billing, `SELECT id FROM stripe_event WHERE id = ANY($1::text[])`, [
        ledger.stripeEvents,
      ])
    ).map((row) => row.id),
  );
  for (const id of ledger.stripeEvents) {
    if (!storedStripeEvents.has(id)) problems.push(`Stripe event ${id} was accepted but is not stored`);
  }

  // In the activity log, exactly once each, and in each client's order.
  const entries = await query<{
    action: string;
    target_id: string;
    chain_key: string;
    chain_position: number;
    changes: unknown;
  }>(
    databases.audit,
    `SELECT action, target_id, chain_key, chain_position, changes FROM activity_entry
      WHERE target_id = ANY($1::text[]) AND action = ANY($2::text[])
      ORDER BY chain_key, chain_position`,
    [
      [...tickets, ...invitationIds],
      ["ticket.created", "ticket.status_changed", "ticket.reply_added", "invitation.sent", "invitation.revoked"],
    ],
  );
  const byTargetAndAction = new Map<string, typeof entries>();
  for (const entry of entries) {
    const key = `${entry.action} ${entry.target_id}`;
    byTargetAndAction.set(key, [...(byTargetAndAction.get(key) ?? []), entry]);
  }
  const exactlyOnce = (action: string, targetId: string) => {
    const found = byTargetAndAction.get(`${action} ${targetId}`)?.length ?? 0;
    if (found !== 1) problems.push(`${action} of ${targetId}: ${found} activity-log entries, not 1`);
  };
  let expectedEntries = 0;
  for (const [workspaceId, created] of ledger.ticketsByWorkspace) {
    for (const id of created) exactlyOnce("ticket.created", id);
    expectedEntries += created.length;
    // Tickets one client created one after the other sit in their workspace's chain in that order.
    const positions = created.map((id) => byTargetAndAction.get(`ticket.created ${id}`)?.[0]?.chain_position ?? -1);
    if (positions.some((position, i) => i > 0 && position <= positions[i - 1]!)) {
      problems.push(`workspace ${workspaceId}: tickets are not in the activity log in the order they were created`);
    }
  }
  const statusChangeOf = (changes: unknown): { old: string; new: string } => {
    const status = Array.isArray(changes)
      ? (changes as Array<{ field?: string; old?: unknown; new?: unknown }>).find((change) => change.field === "status")
      : undefined;
    return { old: String(status?.old ?? ""), new: String(status?.new ?? "") };
  };
  for (const [ticketId, statuses] of ledger.statusChanges) {
    const logged = (byTargetAndAction.get(`ticket.status_changed ${ticketId}`) ?? []).map((entry) =>
      statusChangeOf(entry.changes),
    );
    // The log's transitions chain from a new ticket's OPEN to the status the ticket has now: a
    // lost or duplicated status event breaks the chain or leaves it short of the stored status.
    const visited = [INITIAL_TICKET_STATUS, ...logged.map((change) => change.new)];
    const chained = logged.every((change, i) => change.old === visited[i] && change.new !== change.old);
    if (!chained || storedTickets.get(ticketId) !== visited.at(-1)) {
      problems.push(
        `ticket ${ticketId}: the log's status changes (${logged.map((c) => `${c.old}→${c.new}`).join(",")}) do not lead to its stored status ${storedTickets.get(ticketId) ?? "(none)"}`,
      );
    }
    // Each success is, in its client's order, a transition in the log or a no-op at the status the
    // ticket had then (a client whose earlier attempts failed without committing may ask for the
    // status the ticket still has: that answers success and logs nothing, rightly).
    const matched = matchStatusChanges(statuses, visited);
    if (!matched) {
      problems.push(
        `ticket ${ticketId}: status changes ${statuses.join(",")} are not in the log in order (${visited.join(",")})`,
      );
    }
    expectedEntries += matched?.transitions ?? statuses.length;
  }
  const bodies = new Map<string, string[]>();
  for (const entry of entries.filter((e) => e.action === "ticket.reply_added")) {
    const body = Array.isArray(entry.changes)
      ? (entry.changes as Array<{ field?: string; new?: unknown }>).find((change) => change.field === "body")?.new
      : undefined;
    bodies.set(String(body), [...(bodies.get(String(body)) ?? []), entry.target_id]);
  }
  for (const reply of ledger.replies) {
    const found = bodies.get(reply.body) ?? [];
    if (found.length !== 1 || found[0] !== reply.ticketId) {
      problems.push(`reply ${reply.replyId}: ${found.length} activity-log entries on its ticket, not 1`);
    }
  }
  expectedEntries += ledger.replies.length;
  for (const invitation of ledger.invitations) {
    exactlyOnce("invitation.sent", invitation.invitationId);
    expectedEntries += 1;
    if (invitation.revoked) {
      exactlyOnce("invitation.revoked", invitation.invitationId);
      expectedEntries += 1;
    }
  }
  return { problems, expectedEntries, foundEntries: entries.length };
}

export interface Backlog {
  /** Outbox rows not yet published, per service. */
  outbox: Partial<Record<ServiceName, number>>;
  /** Messages not yet consumed, per consumer group (groups that commit offsets). */
  lag: Record<string, number>;
}

/** The services' consumer groups (each service's app.ts): the lag that matters after a run. */
export const SERVICE_CONSUMER_GROUPS = [
  "audit.activity-log",
  "billing.workspaces",
  "identity.workspace-deletions",
  "ticketing.workspace-deletions",
  "workspace.people",
  "workspace.deletions",
  "workspace.billing",
] as const;

/**
 * What is still waiting to be published or consumed. `groups` limits the lag to those consumer
 * groups (a broker shared with tests also holds groups nobody consumes with any more).
 */
export async function backlog(databases: DatabaseUrls, kafka: Kafka, groups?: readonly string[]): Promise<Backlog> {
  const outbox: Backlog["outbox"] = {};
  for (const [service, url] of Object.entries(databases) as Array<[ServiceName, string]>) {
    const [row] = await query<{ n: number }>(
      url,
      `SELECT count(*)::int AS n FROM outbox_event WHERE published_at IS NULL AND parked_at IS NULL`,
      [],
    );
    outbox[service] = row?.n ?? 0;
  }
  const admin = kafka.admin();
  await admin.connect();
  const lag: Record<string, number> = {};
  try {
    const { groups: listed } = await admin.listGroups();
    const ends = new Map<string, Map<number, number>>();
    const endOf = async (topic: string) => {
      let end = ends.get(topic);
      if (!end) {
        end = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
        ends.set(topic, end);
      }
      return end;
    };
    for (const { groupId } of listed) {
      if (groups && !groups.includes(groupId)) continue;
      const committed = await admin.fetchOffsets({ groupId });
      let behind = 0;
      let commits = false;
      for (const { topic, partitions } of committed) {
        const end = await endOf(topic);
        for (const { partition, offset } of partitions) {
          if (Number(offset) < 0) continue; // nothing committed there yet
          commits = true;
          behind += Math.max(0, (end.get(partition) ?? 0) - Number(offset));
        }
      }
      if (commits) lag[groupId] = behind;
    }
  } finally {
    await admin.disconnect();
  }
  return { outbox, lag };
}

export const isEmpty = (left: Backlog): boolean =>
  Object.values(left.outbox).every((n) => n === 0) && Object.values(left.lag).every((n) => n === 0);

export interface Settled {
  /** From the call until the outbox and the consumer groups had nothing left. */
  drainedMs: number;
  /** From the call until the ledger check found nothing wrong (or the last check, at the timeout). */
  checkedMs: number;
  check: LedgerCheck;
  /** What was left at the end (null: the broker could not be asked). */
  left: Backlog | null;
}

/**
 * After a run: waits until nothing is left to publish or consume and the ledger check is clean
 * (an event parked for a delayed retry is consumed but not yet applied), or `timeoutMs` passes;
 * answers the last check either way, for the caller to assert on and print.
 */
export async function settle(
  ledger: Ledger,
  databases: DatabaseUrls,
  kafka: Kafka,
  options: { timeoutMs: number; groups?: readonly string[] },
): Promise<Settled> {
  const startedAt = Date.now();
  const deadline = startedAt + options.timeoutMs;
  // The broker may still be coming back from a restart: a failed look counts as "not yet".
  const look = () => backlog(databases, kafka, options.groups).catch(() => null);
  let left = await look();
  while ((!left || !isEmpty(left)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    left = await look();
  }
  const drainedMs = Date.now() - startedAt;
  let check = await checkLedger(ledger, databases);
  while (check.problems.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    check = await checkLedger(ledger, databases);
  }
  return { drainedMs, checkedMs: Date.now() - startedAt, check, left };
}
