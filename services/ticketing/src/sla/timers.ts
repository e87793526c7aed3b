import { createEvent, type TypedEvent } from "@support/events";
import type { Logger } from "@support/logger";
import { metrics } from "@support/metrics";
import type { Db, Tx } from "../db/client.js";
import type { Ticket } from "../db/generated/client.js";
import type { NewNotification } from "../db/notifications.js";
import { TICKET_COLUMNS } from "../db/tickets.js";
import { slaWarningRecipient, type SlaRecipient } from "../domain/tickets.js";
import { storeNotifications } from "../events/notifications.js";
import { publishEvents, ticketingEvent, ticketTarget } from "../events/publish.js";

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

/**
 * The WHERE of each query holds the predicate of its partial index (ticket_sla_warn_at_idx,
 * ticket_sla_due_at_idx: timers still waiting), so a round reads only waiting tickets, never the
 * history of fired, solved and closed ones. Change the two together (test/e2e/sla-timers.test.ts).
 */
async function fire(tx: Tx, kind: "warning" | "breach", now: Date): Promise<number> {
  const due =
    kind === "warning"
      ? await tx.$queryRaw<Ticket[]>`
          SELECT ${TICKET_COLUMNS} FROM ticket
          WHERE sla_warn_at <= ${now} AND sla_warned_at IS NULL AND sla_breached_at IS NULL
            AND status NOT IN ('SOLVED', 'CLOSED')
          ORDER BY sla_warn_at LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`
      : await tx.$queryRaw<Ticket[]>`
          SELECT ${TICKET_COLUMNS} FROM ticket
          WHERE sla_due_at <= ${now} AND sla_breached_at IS NULL AND status NOT IN ('SOLVED', 'CLOSED')
          ORDER BY sla_due_at LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`;
  if (due.length === 0) return 0;
  const policies = await tx.slaPolicy.findMany({
    where: { workspaceId: { in: [...new Set(due.map((t) => t.workspaceId))] } },
  });
  const recipientRule = new Map(policies.map((p) => [p.workspaceId, p.recipient as SlaRecipient]));
  const events: TypedEvent[] = [];
  const notifications: NewNotification[] = [];
  for (const ticket of due) {
    const scope = { workspaceId: ticket.workspaceId, organisationId: ticket.organisationId };
    const dueAt = ticket.slaDueAt?.toISOString() ?? now.toISOString();
    // The policy's rule names who is told of the breach as well as of the warning (SPEC section 4).
    const recipientUserId = slaWarningRecipient(recipientRule.get(ticket.workspaceId) ?? "ASSIGNEE_OR_CREATOR", ticket);
    let event: TypedEvent;
    if (kind === "warning") {
      await tx.ticket.update({ where: { id: ticket.id }, data: { slaWarnedAt: now, updatedAt: ticket.updatedAt } });
      event = createEvent(
        ticketingEvent(
          "sla.warning",
          scope,
          "system",
          ticketTarget(ticket),
          [{ field: "slaWarnedAt", old: null, new: now.toISOString() }],
          { ticketId: ticket.id, number: ticket.number, dueAt, recipientUserId },
        ),
      );
    } else {
      await tx.ticket.update({
        where: { id: ticket.id },
        // A breach found before its warning was sent makes the warning moot.
        data: { slaBreachedAt: now, slaWarnedAt: ticket.slaWarnedAt ?? now, updatedAt: ticket.updatedAt },
      });
      event = createEvent(
        ticketingEvent(
          "sla.breached",
          scope,
          "system",
          ticketTarget(ticket),
          [{ field: "slaBreachedAt", old: null, new: now.toISOString() }],
          { ticketId: ticket.id, number: ticket.number, dueAt, breachedAt: now.toISOString(), recipientUserId },
        ),
      );
    }
    events.push(event);
    // Nobody to tell: an API key's ticket with no assignee, or the rule's person is not set.
    if (recipientUserId)
      notifications.push({
        ...scope,
        recipientUserId,
        kind: kind === "warning" ? "SLA_WARNING" : "SLA_BREACHED",
        ticketId: ticket.id,
        ticketNumber: ticket.number,
        title: ticket.title,
        dueAt: ticket.slaDueAt,
        sourceEventId: event.id,
      });
  }
  events.push(...(await storeNotifications(tx, notifications, now)));
  // One call for the whole round: the outbox locks the round's workspaces in one sorted step, so
  // two instances' rounds over the same workspaces cannot deadlock on them (docs/adr/0002).
  await publishEvents(tx, events);
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
