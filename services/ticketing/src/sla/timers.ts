import { eventActor, eventScope } from "@support/events";
import type { Logger } from "@support/logger";
import { metrics } from "@support/metrics";
import type { Db, Tx } from "../db/client.js";
import type { NewNotification } from "../db/notifications.js";
import { slaRecipients } from "../db/sla-policies.js";
import { claimDueSlaTimers, saveTicket } from "../db/tickets.js";
import { slaWarningRecipient } from "../domain/tickets.js";
import { notify } from "../events/notifications.js";
import { publish, ticketTarget, workspaceOf } from "../events/publish.js";

/**
 * The SLA timers due and not yet fired, and how long the longest-waiting one has been due, for the
 * metrics (docs/adr/0020). The same predicates as `fire`'s claims, so each count reads only its
 * partial index.
 */
export async function measureDueTimers(sql: {
  query<Row extends object>(text: string): Promise<{ rows: Row[] }>;
}): Promise<void> {
  const due = metrics.slaTimersDue();
  const oldest = metrics.slaTimersOldestDueAge();
  try {
    const { rows } = await sql.query<{ kind: "warning" | "breach"; due: string; oldest_age: number | null }>(
      `SELECT 'warning' AS kind, count(*) AS due, extract(epoch FROM now() - min(sla_warn_at))::float8 AS oldest_age
         FROM ticket WHERE sla_warn_at <= now() AND sla_warned_at IS NULL AND sla_breached_at IS NULL
          AND status NOT IN ('SOLVED', 'CLOSED')
       UNION ALL
       SELECT 'breach', count(*), extract(epoch FROM now() - min(sla_due_at))::float8
         FROM ticket WHERE sla_due_at <= now() AND sla_breached_at IS NULL AND status NOT IN ('SOLVED', 'CLOSED')`,
    );
    for (const row of rows) {
      due.set({ kind: row.kind }, Number(row.due));
      oldest.set({ kind: row.kind }, Math.max(0, row.oldest_age ?? 0));
    }
  } catch (error) {
    due.reset();
    oldest.reset();
    throw error;
  }
}

/** How many due timers one claim takes; the rest wait for the next round. */
const BATCH = 100;

/**
 * Durable SLA timers (SPEC section 4). The timers are the tickets' own `sla_warn_at` / `sla_due_at`
 * columns: nothing to schedule, nothing lost on a restart. Any instance claims due rows with
 * `FOR UPDATE SKIP LOCKED` and, in the same transaction, marks them (`sla_warned_at`,
 * `sla_breached_at`), stores the recipient's in-app notification and writes the events to the
 * outbox — so with two instances each warning and breach still fires, and tells its recipient,
 * exactly once, and a crash before commit leaves the timer due.
 */
export async function fireDueSlaTimers(db: Db, now = new Date()): Promise<{ warnings: number; breaches: number }> {
  const warnings = await db.$transaction((tx) => fire(tx, "warning", now));
  const breaches = await db.$transaction((tx) => fire(tx, "breach", now));
  return { warnings, breaches };
}

async function fire(tx: Tx, kind: "warning" | "breach", now: Date): Promise<number> {
  const due = await claimDueSlaTimers(tx, kind, now, BATCH);
  if (due.length === 0) return 0;
  const recipientRules = await slaRecipients(
    tx,
    due.map((ticket) => ticket.workspaceId),
  );
  const fired = due.map((ticket) => ({
    ticket,
    dueAt: ticket.slaDueAt?.toISOString() ?? now.toISOString(),
    // The policy's rule names who is told of the breach as well as of the warning (SPEC section 4).
    recipientUserId: slaWarningRecipient(recipientRules.get(ticket.workspaceId) ?? "ASSIGNEE_OR_CREATOR", ticket),
  }));
  for (const { ticket } of fired)
    await saveTicket(
      tx,
      ticket.id,
      kind === "warning"
        ? { slaWarnedAt: now, updatedAt: ticket.updatedAt }
        : // A breach found before its warning was sent makes the warning moot.
          { slaBreachedAt: now, slaWarnedAt: ticket.slaWarnedAt ?? now, updatedAt: ticket.updatedAt },
    );
  // One call for the whole round: the outbox locks the round's workspaces in one sorted step, so
  // two instances' rounds over the same workspaces cannot deadlock on them (docs/adr/0002). The
  // notifications' events that follow are of the same workspaces, whose locks this one holds.
  const events = await publish(
    tx,
    ...fired.map(({ ticket, dueAt, recipientUserId }) =>
      kind === "warning"
        ? {
            type: "sla.warning" as const,
            ...eventScope(workspaceOf(ticket)),
            actor: eventActor("system"),
            target: ticketTarget(ticket),
            changes: [{ field: "slaWarnedAt", old: null, new: now.toISOString() }],
            data: { ticketId: ticket.id, number: ticket.number, dueAt, recipientUserId },
          }
        : {
            type: "sla.breached" as const,
            ...eventScope(workspaceOf(ticket)),
            actor: eventActor("system"),
            target: ticketTarget(ticket),
            changes: [{ field: "slaBreachedAt", old: null, new: now.toISOString() }],
            data: { ticketId: ticket.id, number: ticket.number, dueAt, breachedAt: now.toISOString(), recipientUserId },
          },
    ),
  );
  const notifications: NewNotification[] = [];
  fired.forEach(({ ticket, recipientUserId }, index) => {
    // Nobody to tell: an API key's ticket with no assignee, or the rule's person is not set.
    if (!recipientUserId) return;
    notifications.push({
      workspaceId: ticket.workspaceId,
      organisationId: ticket.organisationId,
      recipientUserId,
      kind: kind === "warning" ? "SLA_WARNING" : "SLA_BREACHED",
      ticketId: ticket.id,
      ticketNumber: ticket.number,
      title: ticket.title,
      dueAt: ticket.slaDueAt,
      sourceEventId: events[index]!.id,
    });
  });
  await notify(tx, notifications, now);
  return due.length;
}

/** Claims due timers every `intervalMs` until stopped; a failed round is logged and retried next time. */
export function startSlaTimers(db: Db, logger: Logger, intervalMs: number): { stop(): Promise<void> } {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const round = async () => {
    try {
      const fired = await fireDueSlaTimers(db);
      if (fired.warnings || fired.breaches) logger.info(fired, "SLA timers fired");
    } catch (error) {
      logger.error({ err: error }, "SLA timer round failed; retrying next round");
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = round().finally(schedule);
    }, intervalMs);
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
