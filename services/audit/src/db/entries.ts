import type pg from "pg";
import type { ActivityFilter } from "../domain/activity-filter.js";
import type { ChainedFields } from "../domain/chain.js";

/**
 * A workspace's entries under a filter, as SQL: each filter field matches the leading columns of
 * one index of activity_entry (prisma/schema.prisma), all of them ending in (occurred_at, seq) —
 * the log's order — so a page and an export read an index range, never the table.
 */
export function entriesWhere(workspaceId: string, filter: ActivityFilter): { sql: string; values: unknown[] } {
  const values: unknown[] = [workspaceId];
  const where = ["workspace_id = $1::uuid"];
  const add = (sql: string, value: unknown) => {
    values.push(value);
    where.push(sql.replace("?", `$${values.length}`));
  };
  if (filter?.category) add("category = ?", filter.category);
  if (filter?.action) add("action = ?", filter.action);
  if (filter?.actorId) add("actor_id = ?", filter.actorId);
  if (filter?.targetType) add("target_type = ?", filter.targetType);
  if (filter?.targetId) add("target_id = ?", filter.targetId);
  if (filter?.from) add("occurred_at >= ?::timestamptz", filter.from);
  if (filter?.to) add("occurred_at < ?::timestamptz", filter.to);
  return { sql: where.join(" AND "), values };
}

/** One entry as activityLog shows it: the fields its hash covers, as read back, and what a read adds. */
export type EntryRow = Omit<ChainedFields, "workspaceId" | "organisationId" | "occurredAt"> & {
  /** bigint, as text: the keyset cursor's tie-breaker. */
  seq: string;
  occurredAt: Date;
  /** Set when the reader may not see the entry's target (docs/adr/0013); never stored. */
  redacted?: boolean;
  /** Names for the ids the entry holds bare (db/labels.ts), looked up per page; never stored. */
  labels?: ReadonlyMap<string, string>;
};

/** An entry's place in the log's order (occurred_at DESC, seq DESC): the page cursor's key. */
export interface EntryKey {
  occurredAt: Date;
  /** bigint, as text. */
  seq: string;
}

/**
 * Up to `limit` entries from `from` (exclusive) on: newest first, towards older entries, or,
 * `backward`, oldest first towards newer ones (a `last`/`before` page, which the caller turns
 * back into the log's order). Plain SQL on the service's pg pool rather than Prisma: the page is
 * the audit subgraph's hot path and Prisma's query compiler and row mapping doubled its database
 * time (0.9 vs 0.5 ms p50, 4.5 vs 2.0 ms p99 for 51 rows over 1,000,000 entries). The row
 * comparison `(occurred_at, seq) < (…)` (or `>`) is an index bound, read in either direction.
 */
export async function entriesPage(
  pool: pg.Pool,
  workspaceId: string,
  filter: ActivityFilter,
  page: { from: EntryKey | null; backward: boolean; limit: number },
): Promise<EntryRow[]> {
  const { sql, values } = entriesWhere(workspaceId, filter);
  let keyset = "";
  if (page.from) {
    values.push(page.from.occurredAt, page.from.seq);
    const beyond = page.backward ? ">" : "<";
    keyset = ` AND (occurred_at, seq) ${beyond} ($${values.length - 1}::timestamptz, $${values.length}::bigint)`;
  }
  const direction = page.backward ? "ASC" : "DESC";
  values.push(page.limit);
  const { rows } = await pool.query<EntryRow>(
    `SELECT seq, event_id AS "eventId", action, category, actor_type AS "actorType", actor_id AS "actorId",
            actor_label AS "actorLabel", target_type AS "targetType", target_id AS "targetId",
            target_label AS "targetLabel", changes, occurred_at AS "occurredAt", chain_position AS "chainPosition"
       FROM activity_entry WHERE ${sql}${keyset}
      ORDER BY occurred_at ${direction}, seq ${direction} LIMIT $${values.length}`,
    values,
  );
  return rows;
}
