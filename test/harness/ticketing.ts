import pg from "pg";
import { graphqlOk, testStack } from "./stack.js";
import type { OutboxEvent } from "./identity.js";

function ticketingDatabaseUrl(): string {
  const stack = testStack();
  const url = new URL(stack.postgresServerUrl);
  url.pathname = `/support_ticketing${stack.databaseSuffix}`;
  return url.toString();
}

/** A query against ticketing's test database (to check what was, or was not, written). */
export async function ticketingQuery<Row extends Record<string, unknown>>(
  sql: string,
  values: unknown[] = [],
): Promise<Row[]> {
  const client = new pg.Client({ connectionString: ticketingDatabaseUrl() });
  await client.connect();
  try {
    return (await client.query<Row>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** Ticketing's events about one target, oldest first, read from its outbox. */
export async function ticketingEvents(targetId: string): Promise<OutboxEvent[]> {
  const rows = await ticketingQuery<{ payload: OutboxEvent }>(
    `SELECT payload FROM outbox_event WHERE payload->'target'->>'id' = $1 ORDER BY seq`,
    [targetId],
  );
  return rows.map((row) => row.payload);
}

/** How many tickets and outbox rows a workspace has: "nothing written" compares two of these. */
export async function writesOf(workspaceId: string): Promise<{ tickets: number; events: number; fields: number }> {
  const [row] = await ticketingQuery<{ tickets: number; events: number; fields: number }>(
    `SELECT (SELECT count(*)::int FROM ticket WHERE workspace_id = $1) AS tickets,
            (SELECT count(*)::int FROM outbox_event WHERE payload->>'workspaceId' = $1::text) AS events,
            (SELECT count(*)::int FROM ticket_field WHERE workspace_id = $1) AS fields`,
    [workspaceId],
  );
  return row ?? { tickets: 0, events: 0, fields: 0 };
}

export async function createTicket(
  token: string,
  workspaceId: string,
  input: Record<string, unknown> = {},
): Promise<{ id: string; number: number }> {
  const data = await graphqlOk<{ createTicket: { id: string; number: number } }>(
    `mutation($w: ID!, $i: CreateTicketInput!) { createTicket(workspaceId: $w, input: $i) { id number } }`,
    { token, variables: { w: workspaceId, i: { title: "Printer on fire", ...input } } },
  );
  return data.createTicket;
}
