import { pipeline, Transform, type Readable } from "node:stream";
import pg from "pg";
import QueryStream from "pg-query-stream";
import type { ActivityFilter } from "../domain/activity-filter.js";
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

/** How long an export may take, and how long its reader may read nothing, before it is cut off. */
export interface ExportLimits {
  /** No byte taken by the reader for this long: the export is cut off and its connection freed. */
  idleMs: number;
  /** The whole file, however steadily read. */
  totalMs: number;
}

/** Raised when the export pool has no connection free within its wait: the caller answers 503. */
export class ExportsBusy extends Error {}

/**
 * Exports' own connections (issue 21): a server-side cursor holds its connection for as long as
 * the reader takes, so exports draw from this small pool, never from the one activityLog's pages
 * use. When all `max` are streaming, a new export waits `waitMs` for one, then is refused
 * (ExportsBusy). A connection the server drops while idle is logged and replaced.
 */
export function createExportPool(
  connectionString: string,
  options: { max: number; waitMs: number; onError: (error: Error) => void },
): pg.Pool {
  const exportPool = new pg.Pool({
    connectionString,
    max: options.max,
    connectionTimeoutMillis: options.waitMs,
    application_name: "audit-export",
  });
  exportPool.on("error", options.onError);
  return exportPool;
}

/**
 * The CSV of a workspace's log as its reader may see it (`redact` says which entries lose their
 * target label and changes), streamed from a server-side cursor through csv-stringify: memory
 * stays flat at any size (the cursor reads 500 rows at a time and back-pressure pauses it).
 * The stages are joined with `pipeline`, so an error anywhere (the database dropping the
 * connection, a gone client, a timeout of `limits`) destroys them all: the reader sees an aborted
 * download, never a short file, and the connection goes back to `pool` (destroyed after an error).
 */
export async function streamActivityCsv(
  pool: pg.Pool,
  workspaceId: string,
  filter: ActivityFilter,
  redact: (entry: EntryTarget) => boolean,
  limits: ExportLimits,
): Promise<Readable> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    // pg-pool's wait for a free connection ran out (or the database is unreachable).
    throw new ExportsBusy(error instanceof Error ? error.message : String(error));
  }
  const { text, values } = queryOf(workspaceId, filter);
  const rows = client.query(new QueryStream(text, values, { batchSize: 500, rowMode: "array" }));
  const csv = csvWriter(EXPORT_COLUMNS);
  // The connection's own errors while checked out (the pool stops listening then): fail the file.
  const onClientError = (error: Error) => rows.destroy(error);
  client.on("error", onClientError);
  let lastRead = Date.now();
  const started = lastRead;
  // Notes when bytes move on to the reader: back-pressure stops this stage while nobody reads.
  const taken = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      lastRead = Date.now();
      done(null, chunk);
    },
  });
  const check = setInterval(
    () => {
      const now = Date.now();
      if (now - started > limits.totalMs) taken.destroy(new ExportTimedOut(`export exceeded ${limits.totalMs} ms`));
      // Idle is the reader's: bytes wait for it (a slow database leaves none waiting) and none moved.
      else if (taken.readableLength > 0 && now - lastRead > limits.idleMs)
        taken.destroy(new ExportTimedOut(`export reader idle for ${limits.idleMs} ms`));
    },
    Math.max(50, Math.min(1_000, limits.idleMs / 4)),
  );
  check.unref();
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
  return pipeline(rows, toRecord, csv, taken, (error) => {
    clearInterval(check);
    client.off("error", onClientError);
    // After an error the cursor may be mid-query: the connection is closed, not reused.
    client.release(error ?? undefined);
  });
}

/** An export cut off by its idle or total limit. */
export class ExportTimedOut extends Error {}
