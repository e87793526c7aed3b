import { notFound } from "@support/errors";
import { Prisma, type Ticket } from "./generated/client.js";
import type { Db, Tx } from "./client.js";
import type { PgTx, SqlReader } from "@support/service-kit";
import type { Cursor, SlaState, TicketPriority, TicketScope, TicketSort, TicketStatus } from "../domain/tickets.js";

/** Every column of `ticket` as Prisma names it, for raw queries that return whole tickets. */
const TICKET_COLUMN_LIST = `id, workspace_id AS "workspaceId", organisation_id AS "organisationId", number, title, description, status::text AS status,
  priority::text AS priority, priority_rank AS "priorityRank", creator_id AS "creatorId",
  creator_api_key_id AS "creatorApiKeyId", assignee_id AS "assigneeId", team_id AS "teamId",
  field_values AS "fieldValues", sla_due_at AS "slaDueAt", sla_warn_at AS "slaWarnAt",
  sla_warned_at AS "slaWarnedAt", sla_breached_at AS "slaBreachedAt", created_at AS "createdAt",
  updated_at AS "updatedAt"`;
export const TICKET_COLUMNS = Prisma.raw(TICKET_COLUMN_LIST);

export interface TicketQuery {
  workspaceId: string;
  scope: TicketScope;
  statuses?: string[] | null;
  priorities?: string[] | null;
  assigneeId?: string | null;
  teamId?: string | null;
  unassigned?: boolean | null;
  creatorId?: string | null;
  createdFrom?: Date | null;
  createdTo?: Date | null;
  updatedFrom?: Date | null;
  updatedTo?: Date | null;
  slaState?: SlaState | null;
  text?: string | null;
  sort: TicketSort;
  descending: boolean;
  /** The cursor to read from (exclusive), or null for the list's start (or end, backward). */
  from: Cursor | null;
  /** Read towards the list's start: `last`/`before`. Rows come nearest the cursor first. */
  backward: boolean;
  /** Rows to read: the page size plus one, to learn whether another page follows. */
  limit: number;
}

/** The sort key's SQL; tickets without a due time sort as if due at infinity (last when ascending). */
const SORT_KEY: Record<TicketSort, Prisma.Sql> = {
  CREATED_AT: Prisma.sql`created_at`,
  UPDATED_AT: Prisma.sql`updated_at`,
  PRIORITY: Prisma.sql`priority_rank`,
  SLA_DUE_AT: Prisma.sql`coalesce(sla_due_at, 'infinity'::timestamptz)`,
};

function cursorKey(cursor: Cursor): Prisma.Sql {
  if (cursor.sort === "PRIORITY") return Prisma.sql`${cursor.key}::int`;
  return cursor.key === null ? Prisma.sql`'infinity'::timestamptz` : Prisma.sql`${cursor.key}::timestamptz`;
}

/**
 * One statement: the filtered, scoped page in a stable keyset order (sort key, then id). Backward,
 * the comparison and the ORDER are reversed, so the rows nearest the cursor come first (the
 * caller's `connectionOf` puts them back in list order). Read on the request-path pool (every
 * ticket list, a measured hot path: docs/adr/0025).
 */
export async function findTickets(reader: SqlReader, query: TicketQuery): Promise<Ticket[]> {
  const where: Prisma.Sql[] = [Prisma.sql`workspace_id = ${query.workspaceId}::uuid`];
  const scoped = inScope(query.scope);
  if (scoped) where.push(scoped);
  if (query.statuses?.length) where.push(Prisma.sql`status::text = ANY(${query.statuses}::text[])`);
  if (query.priorities?.length) where.push(Prisma.sql`priority::text = ANY(${query.priorities}::text[])`);
  if (query.assigneeId) where.push(Prisma.sql`assignee_id = ${query.assigneeId}::uuid`);
  if (query.teamId) where.push(Prisma.sql`team_id = ${query.teamId}::uuid`);
  if (query.unassigned === true) where.push(Prisma.sql`assignee_id IS NULL AND team_id IS NULL`);
  if (query.unassigned === false) where.push(Prisma.sql`(assignee_id IS NOT NULL OR team_id IS NOT NULL)`);
  if (query.creatorId) where.push(Prisma.sql`creator_id = ${query.creatorId}::uuid`);
  if (query.createdFrom) where.push(Prisma.sql`created_at >= ${query.createdFrom}`);
  if (query.createdTo) where.push(Prisma.sql`created_at < ${query.createdTo}`);
  if (query.updatedFrom) where.push(Prisma.sql`updated_at >= ${query.updatedFrom}`);
  if (query.updatedTo) where.push(Prisma.sql`updated_at < ${query.updatedTo}`);
  if (query.slaState === "DUE_SOON")
    where.push(
      Prisma.sql`status NOT IN ('SOLVED', 'CLOSED') AND sla_breached_at IS NULL AND sla_warn_at <= now() AND sla_due_at > now()`,
    );
  if (query.slaState === "BREACHED")
    where.push(
      Prisma.sql`(sla_breached_at IS NOT NULL OR (sla_due_at <= now() AND status NOT IN ('SOLVED', 'CLOSED')))`,
    );
  if (query.text) where.push(Prisma.sql`search_vector @@ websearch_to_tsquery('english', ${query.text})`);
  const key = SORT_KEY[query.sort];
  // Reading order: the list's own, or its reverse when paging backward.
  const descending = query.backward ? !query.descending : query.descending;
  if (query.from) {
    const comparison = descending ? Prisma.sql`<` : Prisma.sql`>`;
    where.push(Prisma.sql`(${key}, id) ${comparison} (${cursorKey(query.from)}, ${query.from.id}::uuid)`);
  }
  const direction = descending ? Prisma.sql`DESC` : Prisma.sql`ASC`;
  const statement = Prisma.sql`
    SELECT ${TICKET_COLUMNS} FROM ticket
    WHERE ${Prisma.join(where, " AND ")}
    ORDER BY ${key} ${direction}, id ${direction}
    LIMIT ${query.limit}`;
  return reader.$queryRawUnsafe<Ticket[]>(statement.text, ...statement.values);
}

/** The scope as SQL over `ticket`: what `isInScope` answers for one ticket (domain/tickets.ts). */
function inScope(scope: TicketScope): Prisma.Sql | null {
  return scope.all
    ? null
    : Prisma.sql`(assignee_id = ${scope.userId}::uuid OR team_id = ANY(${scope.teamIds}::uuid[]))`;
}

/**
 * The ids among `ticketIds` (or all of the workspace's) inside `scope`. Asked once per redacted
 * page of the activity log: read on the request-path pool (`SqlReader`, docs/adr/0025).
 */
export async function visibleTicketIds(
  reader: SqlReader,
  workspaceId: string,
  scope: TicketScope,
  ticketIds: string[] | null,
): Promise<string[]> {
  const where: Prisma.Sql[] = [Prisma.sql`workspace_id = ${workspaceId}::uuid`];
  if (ticketIds) where.push(Prisma.sql`id = ANY(${ticketIds}::uuid[])`);
  const scoped = inScope(scope);
  if (scoped) where.push(scoped);
  const statement = Prisma.sql`SELECT id::text FROM ticket WHERE ${Prisma.join(where, " AND ")}`;
  const rows = await reader.$queryRawUnsafe<Array<{ id: string }>>(statement.text, ...statement.values);
  return rows.map((row) => row.id);
}

/**
 * Re-reads a ticket under a row lock: concurrent edits serialize and events carry the values
 * replaced. NOT_FOUND when it was deleted since the caller loaded it. Every change to a ticket
 * locks it this way, on a node-postgres transaction (service-kit's `createTransactionPool`):
 * Prisma's interactive transaction was a quarter of ticketing's CPU per `changeTicketStatus`
 * (BENCHMARKS.md, issue 25), and one way to lock a ticket keeps the edits' order plain.
 */
const LOCK_TICKET = `SELECT ${TICKET_COLUMN_LIST} FROM ticket WHERE id = $1::uuid FOR UPDATE`;

export async function lockTicket(tx: PgTx, id: string): Promise<Ticket> {
  // Prepared (PgTx.prepared): planning was most of the database's time for these short
  // statements on the write path (issue 25).
  const { rows } = await tx.prepared<Ticket>("ticket_lock", LOCK_TICKET, [id]);
  if (!rows[0]) throw notFound("Ticket");
  return rows[0];
}

export interface TicketColumnChanges {
  title?: string;
  description?: string;
  status?: TicketStatus;
  priority?: TicketPriority;
  priorityRank?: number;
  assigneeId?: string | null;
  teamId?: string | null;
  fieldValues?: Record<string, unknown>;
}

/** The column and SQL type of each field `setTicketColumns` may set: one entry per field, no more, no fewer. */
const SETTABLE_COLUMNS = {
  title: { column: "title", type: "text" },
  description: { column: "description", type: "text" },
  status: { column: "status", type: '"TicketStatus"' },
  priority: { column: "priority", type: '"TicketPriority"' },
  priorityRank: { column: "priority_rank", type: "int" },
  assigneeId: { column: "assignee_id", type: "uuid" },
  teamId: { column: "team_id", type: "uuid" },
  fieldValues: { column: "field_values", type: "jsonb" },
} as const satisfies Record<keyof TicketColumnChanges, { column: string; type: string }>;

const SETTABLE_FIELDS = Object.keys(SETTABLE_COLUMNS) as ReadonlyArray<keyof typeof SETTABLE_COLUMNS>;

/** Sets a locked ticket's columns and `updated_at` (the database's clock) in one statement; answers the ticket. */
export async function setTicketColumns(tx: PgTx, id: string, changes: TicketColumnChanges): Promise<Ticket> {
  const values: unknown[] = [id];
  const assignments = ["updated_at = now()"];
  const fields: number[] = [];
  for (const [field, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    fields.push(SETTABLE_FIELDS.indexOf(field as keyof typeof SETTABLE_COLUMNS));
    const { column, type } = SETTABLE_COLUMNS[field as keyof typeof SETTABLE_COLUMNS];
    // node-postgres would send an object as its JSON text anyway; said here so jsonb is plain.
    values.push(type === "jsonb" ? JSON.stringify(value) : value);
    assignments.push(`${column} = $${values.length}::${type}`);
  }
  // Prepared under a name per list of fields in their order (as positions: a name is at most 63
  // bytes), which fixes the text: a bounded number of statements per connection.
  const { rows } = await tx.prepared<Ticket>(
    `ticket_set:${fields.join(".")}`,
    `UPDATE ticket SET ${assignments.join(", ")} WHERE id = $1::uuid RETURNING ${TICKET_COLUMN_LIST}`,
    values,
  );
  if (!rows[0]) throw notFound("Ticket");
  return rows[0];
}

export async function insertTicket(tx: Tx, data: Prisma.TicketUncheckedCreateInput): Promise<Ticket> {
  return tx.ticket.create({ data });
}

/**
 * Writes a ticket inside a Prisma transaction without locking it first: the SLA timers' claimed
 * rows (already locked by their claim) and a reply touching `updated_at`. Edits of what a person
 * sees of a ticket lock it (`lockTicket`) and use `setTicketColumns`.
 */
export async function saveTicket(tx: Tx, id: string, data: Prisma.TicketUncheckedUpdateInput): Promise<Ticket> {
  return tx.ticket.update({ where: { id }, data });
}

/** Deletes a locked ticket; its replies and notifications go with it (foreign keys ON DELETE CASCADE). */
export async function deleteTicketRow(tx: PgTx, id: string): Promise<void> {
  await tx.prepared("ticket_delete", `DELETE FROM ticket WHERE id = $1::uuid`, [id]);
}

/**
 * Reserves the numbers of `count` new tickets of a workspace in one counter update and answers the
 * first. The counter row's lock, held until commit, serializes concurrent creations.
 */
export async function reserveTicketNumbers(tx: Tx, workspaceId: string, count: number): Promise<number> {
  const [counter] = await tx.$queryRaw<Array<{ last_number: number }>>`
    INSERT INTO workspace_ticket_counter (workspace_id, last_number) VALUES (${workspaceId}::uuid, ${count})
    ON CONFLICT (workspace_id) DO UPDATE SET last_number = workspace_ticket_counter.last_number + ${count}
    RETURNING last_number`;
  if (!counter) throw new Error("ticket counter did not answer");
  return counter.last_number - count + 1;
}

export async function insertTickets(tx: Tx, rows: Prisma.TicketCreateManyInput[]): Promise<void> {
  await tx.ticket.createMany({ data: rows });
}

/**
 * A page of a workspace's tickets by number, after `afterNumber`, within `scope`; none without
 * `tickets:view` (`scope` null). For streaming exports: memory stays flat at any size.
 */
export async function ticketsByNumber(
  db: Db,
  workspaceId: string,
  scope: TicketScope | null,
  afterNumber: number,
  take: number,
): Promise<Ticket[]> {
  if (!scope) return [];
  const inScope: Prisma.TicketWhereInput = scope.all
    ? {}
    : { OR: [...(scope.userId ? [{ assigneeId: scope.userId }] : []), { teamId: { in: scope.teamIds } }] };
  return db.ticket.findMany({
    where: { workspaceId, number: { gt: afterNumber }, ...inScope },
    orderBy: { number: "asc" },
    take,
  });
}

/**
 * Claims up to `limit` tickets whose SLA warning (or breach) is due at `now` and not yet fired,
 * locked so no other instance claims them too. The WHERE of each holds the predicate of its
 * partial index (ticket_sla_warn_at_idx, ticket_sla_due_at_idx: timers still waiting), so a round
 * reads only waiting tickets, never the history of fired, solved and closed ones. Change the two
 * together (test/e2e/sla-timers.test.ts).
 */
export async function claimDueSlaTimers(
  tx: Tx,
  kind: "warning" | "breach",
  now: Date,
  limit: number,
): Promise<Ticket[]> {
  return kind === "warning"
    ? tx.$queryRaw<Ticket[]>`
        SELECT ${TICKET_COLUMNS} FROM ticket
        WHERE sla_warn_at <= ${now} AND sla_warned_at IS NULL AND sla_breached_at IS NULL
          AND status NOT IN ('SOLVED', 'CLOSED')
        ORDER BY sla_warn_at LIMIT ${limit} FOR UPDATE SKIP LOCKED`
    : tx.$queryRaw<Ticket[]>`
        SELECT ${TICKET_COLUMNS} FROM ticket
        WHERE sla_due_at <= ${now} AND sla_breached_at IS NULL AND status NOT IN ('SOLVED', 'CLOSED')
        ORDER BY sla_due_at LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
}
