import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { createWorkspace, eventually, graphqlOk, signUp, type SignedUpUser } from "../harness/stack.js";
import { startService, stopStartedServices, type StartedService } from "../harness/service-process.js";
import { createTicket, ticketingEvents, ticketingQuery } from "../harness/ticketing.js";

/**
 * Issue 9: SLA timers are durable and fire exactly once. The stack's ticketing runs no timers
 * (SLA_TIMERS_ENABLED=false in the test stack); these tests start the instances that do.
 */
afterAll(stopStartedServices);

let owner: SignedUpUser;

beforeAll(async () => {
  owner = await signUp();
});

/** A workspace whose tickets warn `warnSeconds` after opening and are due after `dueSeconds`. */
async function workspaceWithSla(warnSeconds: number, dueSeconds: number): Promise<string> {
  const workspaceId = await createWorkspace(owner.token, `SLA ${Date.now()}`);
  await graphqlOk(`mutation($w: ID!, $i: SlaPolicyInput!) { updateSlaPolicy(workspaceId: $w, input: $i) { hours } }`, {
    token: owner.token,
    variables: { w: workspaceId, i: { hours: dueSeconds / 3600, warningLeadMinutes: (dueSeconds - warnSeconds) / 60 } },
  });
  return workspaceId;
}

const slaEvents = async (ticketId: string) => {
  const events = await ticketingEvents(ticketId);
  return {
    warnings: events.filter((e) => e.type === "sla.warning"),
    breaches: events.filter((e) => e.type === "sla.breached"),
  };
};

const timers = (extra: Record<string, string> = {}) =>
  startService("ticketing", { SLA_TIMERS_ENABLED: "true", SLA_TIMER_INTERVAL_MS: "100", ...extra });

/** Proof that timer rounds ran after a point: a fresh ticket due at once gets breached. */
async function anotherRoundRan(workspaceId: string): Promise<void> {
  const probe = await createTicket(owner.token, workspaceId, { title: "probe" });
  await eventually(
    async () => ((await slaEvents(probe.id)).breaches.length > 0 ? true : undefined),
    30_000,
    "a probe breach",
  );
}

describe("SLA timers", () => {
  test("one warning and one breach, with the service restarted (killed) between them", async () => {
    const workspaceId = await workspaceWithSla(2, 6);
    let instance: StartedService = await timers();
    const { id } = await createTicket(owner.token, workspaceId, { title: "Restart me" });
    const [ticket] = await ticketingQuery<{ due: Date }>(`SELECT sla_due_at AS due FROM ticket WHERE id = $1`, [id]);
    expect(ticket?.due).toBeInstanceOf(Date);
    await eventually(
      async () => ((await slaEvents(id)).warnings.length === 1 ? true : undefined),
      30_000,
      "the warning",
    );
    instance.child.kill("SIGKILL");
    await instance.exited;
    // The breach falls due while no instance runs timers; the next instance must still record it.
    await eventually(
      async () => (Date.now() > (ticket?.due.getTime() ?? 0) + 500 ? true : undefined),
      30_000,
      "the due time",
    );
    expect((await slaEvents(id)).breaches).toHaveLength(0);
    instance = await timers();
    await eventually(async () => ((await slaEvents(id)).breaches.length > 0 ? true : undefined), 30_000, "the breach");
    await anotherRoundRan(await workspaceWithSla(0, 0.001));
    const events = await slaEvents(id);
    expect(events.warnings).toHaveLength(1);
    expect(events.breaches).toHaveLength(1);
    expect(events.warnings[0]?.data).toMatchObject({ ticketId: id, recipientUserId: owner.userId });
    const breached = await graphqlOk<{ ticket: { slaBreachedAt: string | null } }>(
      `query($id: ID!) { ticket(id: $id) { slaBreachedAt } }`,
      { token: owner.token, variables: { id } },
    );
    expect(breached.ticket.slaBreachedAt).not.toBeNull();
  }, 240_000);

  test("two instances at once still fire exactly one warning and one breach per ticket; solved tickets stop the clock", async () => {
    const workspaceId = await workspaceWithSla(6, 9);
    await Promise.all([timers({ SLA_TIMER_INTERVAL_MS: "50" }), timers({ SLA_TIMER_INTERVAL_MS: "50" })]);
    const tickets: Array<{ id: string; number: number }> = [];
    for (let i = 0; i < 10; i += 1) tickets.push(await createTicket(owner.token, workspaceId, { title: `Race ${i}` }));
    const solved = tickets.pop();
    if (!solved) throw new Error("no ticket");
    await graphqlOk(`mutation($id: ID!) { changeTicketStatus(id: $id, input: { status: SOLVED }) { id } }`, {
      token: owner.token,
      variables: { id: solved.id },
    });
    await eventually(
      async () => {
        const all = await Promise.all(tickets.map((t) => slaEvents(t.id)));
        return all.every((e) => e.breaches.length > 0) ? true : undefined;
      },
      60_000,
      "every breach",
    );
    await anotherRoundRan(await workspaceWithSla(0, 0.001));
    for (const ticket of tickets) {
      const events = await slaEvents(ticket.id);
      expect({ ticket: ticket.number, warnings: events.warnings.length, breaches: events.breaches.length }).toEqual({
        ticket: ticket.number,
        warnings: 1,
        breaches: 1,
      });
    }
    expect(await slaEvents(solved.id)).toEqual({ warnings: [], breaches: [] });
  }, 240_000);

  /**
   * Issue 21: every round on every instance asks for due timers. With whole-table indexes on
   * sla_warn_at / sla_due_at that is a range scan over every ticket whose time ever passed (fired,
   * solved, closed), filtered row by row; the indexes hold only the timers still waiting.
   */
  test("a timer round reads only tickets still waiting, not the history of fired, solved and closed ones", async () => {
    const workspaceId = randomUUID();
    // 20,000 tickets whose times passed long ago: half fired, half solved or closed unfired.
    await ticketingQuery(
      `INSERT INTO ticket (id, workspace_id, organisation_id, number, title, updated_at, status,
                           sla_warn_at, sla_due_at, sla_warned_at, sla_breached_at)
       SELECT gen_random_uuid(), $1, $2, g, 'old', now(),
              (CASE WHEN g % 2 = 0 THEN 'OPEN' WHEN g % 4 = 1 THEN 'SOLVED' ELSE 'CLOSED' END)::"TicketStatus",
              now() - interval '30 days', now() - interval '29 days',
              CASE WHEN g % 2 = 0 THEN now() - interval '30 days' END,
              CASE WHEN g % 2 = 0 THEN now() - interval '29 days' END
         FROM generate_series(1, 20000) AS g`,
      [workspaceId, randomUUID()],
    );
    try {
      await ticketingQuery(`ANALYZE ticket`);
      // The queries of src/sla/timers.ts (their WHERE is the indexes' predicate plus the time).
      const rounds = {
        warning: `SELECT id FROM ticket
                   WHERE sla_warn_at <= $1 AND sla_warned_at IS NULL AND sla_breached_at IS NULL
                     AND status NOT IN ('SOLVED', 'CLOSED')
                   ORDER BY sla_warn_at LIMIT 100 FOR UPDATE SKIP LOCKED`,
        breach: `SELECT id FROM ticket
                  WHERE sla_due_at <= $1 AND sla_breached_at IS NULL AND status NOT IN ('SOLVED', 'CLOSED')
                  ORDER BY sla_due_at LIMIT 100 FOR UPDATE SKIP LOCKED`,
      };
      const index = { warning: "ticket_sla_warn_at_idx", breach: "ticket_sla_due_at_idx" };
      for (const kind of ["warning", "breach"] as const) {
        const [row] = await ticketingQuery<{ "QUERY PLAN": unknown }>(
          `EXPLAIN (ANALYZE, FORMAT JSON) ${rounds[kind]}`,
          [new Date()],
        );
        const plan = JSON.stringify(row?.["QUERY PLAN"]);
        const removed = [...plan.matchAll(/"Rows Removed by (?:Filter|Index Recheck)":(\d+)/g)].reduce(
          (sum, m) => sum + Number(m[1]),
          0,
        );
        expect({
          kind,
          usesIndex: plan.includes(`"Index Name":"${index[kind]}"`),
          rowsReadAndDropped: removed,
        }).toEqual({ kind, usesIndex: true, rowsReadAndDropped: 0 });
      }
    } finally {
      await ticketingQuery(`DELETE FROM ticket WHERE workspace_id = $1`, [workspaceId]);
    }
  }, 120_000);
});
