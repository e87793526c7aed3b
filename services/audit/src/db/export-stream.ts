import { Transform, type Readable } from "node:stream";
import type pg from "pg";
import QueryStream from "pg-query-stream";
import type { ActivityFilter } from "../resolvers/activity-log.js";
import { csvWriter } from "@support/service-kit";
import { summaryOf } from "../domain/render.js";
import type { EventType } from "@support/events";
import { entriesWhere } from "./entries.js";
import type { EntryTarget } from "../domain/redaction.js";

export const EXPORT_COLUMNS = [
  "occurred_at",
  "action",
  "category",
  "summary",
  "actor_type",
  "actor_id",
  "actor_label",
  "target_type",
  "target_id",
  "target_label",
  "changes",
  "chain_position",
  "entry_hash",
] as const;

/** A row of the SELECT below, in its column order. */
type RowArray = [
  occurredAt: Date,
  action: string,
  category: string,
  actorType: string,
  actorId: string | null,
  actorLabel: string | null,
  targetType: string,
  targetId: string,
  targetLabel: string | null,
  changes: unknown,
  chainPosition: number,
  entryHash: string,
];

/** The SQL and parameters of a workspace's entries under a filter, newest first (the log's own order). */
function queryOf(workspaceId: string, filter: ActivityFilter): { text: string; values: unknown[] } {
  const { sql, values } = entriesWhere(workspaceId, filter);
  return {
    text: `SELECT occurred_at, action, category, actor_type, actor_id, actor_label, target_type, target_id,
                  target_label, changes, chain_position, entry_hash
             FROM activity_entry WHERE ${sql} ORDER BY occurred_at DESC, seq DESC`,
    values,
  };
}

/**
 * The CSV of a workspace's log as its reader may see it (`redact` says which entries lose their
 * target label and changes), streamed from a server-side cursor through csv-stringify: memory
 * stays flat at any size (the cursor reads 500 rows at a time and back-pressure pauses it).
 * The connection is released when the stream ends, fails or is destroyed by a gone client.
 */
export async function streamActivityCsv(
  pool: pg.Pool,
  workspaceId: string,
  filter: ActivityFilter,
  redact: (entry: EntryTarget) => boolean,
): Promise<Readable> {
  const client = await pool.connect();
  const { text, values } = queryOf(workspaceId, filter);
  const rows = client.query(new QueryStream(text, values, { batchSize: 500, rowMode: "array" }));
  const csv = csvWriter(EXPORT_COLUMNS);
  let released = false;
  const release = (error?: Error) => {
    if (released) return;
    released = true;
    client.release(error);
  };
  rows.on("error", (error) => {
    release(error);
    csv.destroy(error);
  });
  csv.on("close", () => {
    rows.destroy();
    release();
  });
  // Rows arrive as arrays in the SELECT's order (no object per row) and leave as arrays in
  // EXPORT_COLUMNS' order: exports are allocation-bound, and fewer objects keep memory flatter.
  const toRecord = new Transform({
    objectMode: true,
    transform(row: RowArray, _encoding, done) {
      const [
        occurredAt,
        action,
        category,
        actorType,
        actorId,
        actorLabel,
        targetType,
        targetId,
        storedLabel,
        changes,
        chainPosition,
        entryHash,
      ] = row;
      // The reader may not see the entry's target (docs/adr/0013): no label, no changes.
      const hidden = redact({ targetType, targetId });
      const targetLabel = hidden ? null : storedLabel;
      done(null, [
        occurredAt,
        action,
        category,
        summaryOf({ type: action as EventType, target: { type: targetType, id: targetId, label: targetLabel } }),
        actorType,
        actorId,
        actorLabel,
        targetType,
        targetId,
        targetLabel,
        JSON.stringify(hidden ? [] : changes),
        chainPosition,
        entryHash,
      ]);
    },
  });
  rows.pipe(toRecord).pipe(csv);
  return csv;
}
