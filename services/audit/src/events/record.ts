import type { TypedEvent } from "@support/events";
import type { PgTx } from "@support/service-kit";
import { GENESIS_HASH, categoryOf, chainKeyOf, type ChainKeys, type ChainedFields } from "../domain/chain.js";

function actorColumns(actor: TypedEvent["actor"]): Pick<ChainedFields, "actorType" | "actorId" | "actorLabel"> {
  switch (actor.type) {
    case "user":
      return { actorType: "user", actorId: actor.id, actorLabel: null };
    case "apiKey":
      // Only the prefix is ever shown for API keys (SPEC section 6).
      return { actorType: "apiKey", actorId: actor.id, actorLabel: actor.prefix };
    case "system":
    case "stripe":
      return { actorType: actor.type, actorId: null, actorLabel: actor.type };
  }
}

/** An entry as appended: its chained fields and its link. */
interface AppendedEntry extends ChainedFields {
  chainKey: string;
  previousHash: string;
  entryHash: string;
  keyId: string;
}

/**
 * Appends events to their chains in the caller's transaction: one advisory lock per chain
 * (taken in a fixed order, so two writers never deadlock), one read of each chain's head, one
 * statement inserting the entries, their per-day counts and their chains' unsigned heads. Events
 * keep their order within a chain, so positions are gapless and each entry links its predecessor
 * with an HMAC under the current chain key (docs/adr/0008: one HMAC per entry, computed in memory
 * for the whole batch). An event is applied once: its entry is the record of that (`event_id` is
 * unique; the consumer's `appliedEventsIn: "handler"`), so events whose entry exists are skipped,
 * read after the chains' locks, so a copy appended concurrently (a redelivery, a replay) is seen
 * (docs/adr/0002).
 */
export async function appendEvents(tx: PgTx, keys: ChainKeys, received: readonly TypedEvent[]): Promise<void> {
  if (received.length === 0) return;
  const chainKeys = [...new Set(received.map((e) => chainKeyOf(e.workspaceId, e.organisationId)))].sort();
  await tx.prepared(
    "audit_append_lock_chains",
    `SELECT pg_advisory_xact_lock(hashtextextended(key, 0)) FROM unnest($1::text[]) AS key ORDER BY key`,
    [chainKeys],
  );
  // One index probe per chain (backward scan of (chain_key, chain_position), LIMIT 1): the cost
  // does not grow with the chain, unlike DISTINCT ON over all of its entries. In the same
  // statement, the events already in the log (one probe of the event_id index each).
  const { rows: found } = await tx.prepared<{ chain_key: string | null; chain_position: number; entry_hash: string }>(
    "audit_append_read_heads",
    `SELECT k.key AS chain_key, h.chain_position, h.entry_hash
       FROM unnest($1::text[]) AS k(key)
       CROSS JOIN LATERAL (
         SELECT chain_position, entry_hash FROM activity_entry
          WHERE chain_key = k.key ORDER BY chain_position DESC LIMIT 1) AS h
     UNION ALL
     SELECT NULL, 0, event_id::text FROM activity_entry WHERE event_id = ANY($2::uuid[])`,
    [chainKeys, received.map((e) => e.id)],
  );
  const head = new Map<string, { position: number; hash: string }>();
  const applied = new Set<string>();
  for (const row of found) {
    if (row.chain_key === null) applied.add(row.entry_hash);
    else head.set(row.chain_key, { position: row.chain_position, hash: row.entry_hash });
  }
  const events = applied.size === 0 ? received : received.filter((e) => !applied.has(e.id));
  if (events.length === 0) return;

  const keyId = keys.currentKeyId;
  // One object per entry, every key written out in one literal: it is both the chained fields the
  // link covers (canonicalFields reads only those) and the row the statement below receives. A
  // spread in the middle of a literal or keys added after one cost this loop about half its time
  // (and JSON.stringify more) on the consumer's path (issue 25; docs/adr/0032 on spreads).
  const rows = events.map((event): AppendedEntry => {
    const chainKey = chainKeyOf(event.workspaceId, event.organisationId);
    const previous = head.get(chainKey) ?? { position: 0, hash: GENESIS_HASH };
    const actor = actorColumns(event.actor);
    const row: AppendedEntry = {
      eventId: event.id,
      workspaceId: event.workspaceId,
      organisationId: event.organisationId,
      action: event.type,
      category: categoryOf(event.type),
      actorType: actor.actorType,
      actorId: actor.actorId,
      actorLabel: actor.actorLabel,
      targetType: event.target.type,
      targetId: event.target.id,
      targetLabel: event.target.label,
      changes: event.changes,
      occurredAt: new Date(event.occurredAt).toISOString(),
      chainPosition: previous.position + 1,
      chainKey,
      previousHash: previous.hash,
      entryHash: "",
      keyId,
    };
    row.entryHash = keys.link(previous.hash, row, keyId);
    head.set(chainKey, { position: row.chainPosition, hash: row.entryHash });
    return row;
  });
  const heads = new Map<string, number>();
  for (const row of rows) heads.set(row.chainKey, row.chainPosition);
  // Per-day counts for activityStats, in the same transaction (the chains' locks serialise writers
  // of one workspace, so two batches never update the same counters in different orders).
  const daily = new Map<
    string,
    { workspaceId: string; day: string; actorType: string; actorId: string; category: string; count: number }
  >();
  for (const row of rows) {
    if (!row.workspaceId) continue;
    const day = row.occurredAt.slice(0, 10);
    const actorId = row.actorId ?? "";
    const key = `${row.workspaceId}|${day}|${row.actorType}|${actorId}|${row.category}`;
    const counter = daily.get(key);
    if (counter) counter.count += 1;
    else
      daily.set(key, {
        workspaceId: row.workspaceId,
        day,
        actorType: row.actorType,
        actorId,
        category: row.category,
        count: 1,
      });
  }
  // The entries, their counts and their chains' new heads in one statement (a round trip fewer per
  // batch, on the path from a mutation to its visible entry), however many rows: each travels as one
  // JSON array. A data-modifying WITH runs whether or not the outer statement reads it; any part
  // failing fails all. The heads go to chain_unsigned_head for the periodic checkpoint, committed
  // with the entries (docs/adr/0008).
  await tx.prepared(
    "audit_append_entries",
    `WITH unsigned AS (
       INSERT INTO chain_unsigned_head (chain_key, position)
       SELECT key, position FROM unnest($3::text[], $4::int[]) AS h(key, position) ORDER BY key
       ON CONFLICT (chain_key) DO UPDATE SET position = GREATEST(chain_unsigned_head.position, EXCLUDED.position)),
     entries AS (
       INSERT INTO activity_entry (event_id, workspace_id, organisation_id, action, category, actor_type, actor_id,
                                   actor_label, target_type, target_id, target_label, changes, occurred_at, chain_key,
                                   chain_position, previous_hash, entry_hash, key_id)
       SELECT "eventId", "workspaceId", "organisationId", action, category, "actorType", "actorId", "actorLabel",
              "targetType", "targetId", "targetLabel", changes, "occurredAt", "chainKey", "chainPosition",
              "previousHash", "entryHash", "keyId"
         FROM jsonb_to_recordset($1::jsonb) AS x("eventId" uuid, "workspaceId" uuid, "organisationId" uuid,
              action text, category text, "actorType" text, "actorId" text, "actorLabel" text, "targetType" text,
              "targetId" text, "targetLabel" text, changes jsonb, "occurredAt" timestamptz, "chainKey" text,
              "chainPosition" int, "previousHash" text, "entryHash" text, "keyId" text))
     INSERT INTO activity_daily_count (workspace_id, day, actor_type, actor_id, category, count)
     SELECT "workspaceId", day, "actorType", "actorId", category, count
       FROM jsonb_to_recordset($2::jsonb) AS x("workspaceId" uuid, day date, "actorType" text, "actorId" text,
            category text, count int)
      ORDER BY 1, 2, 3, 4, 5
     ON CONFLICT (workspace_id, day, actor_type, actor_id, category)
     DO UPDATE SET count = activity_daily_count.count + EXCLUDED.count`,
    [JSON.stringify(rows), JSON.stringify([...daily.values()]), [...heads.keys()], [...heads.values()]],
  );

  // A deleted workspace's log stays readable by its organisation's admins (src/authorization.ts).
  const deletions = events.filter((e) => e.type === "workspace.deleted" && e.workspaceId);
  if (deletions.length > 0) {
    await tx.query(
      `INSERT INTO deleted_workspace (workspace_id, organisation_id, deleted_at)
       SELECT workspace_id, organisation_id, deleted_at
         FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[]) AS d(workspace_id, organisation_id, deleted_at)
       ON CONFLICT DO NOTHING`,
      [
        deletions.map((e) => e.workspaceId),
        deletions.map((e) => e.organisationId),
        deletions.map((e) => new Date(e.occurredAt)),
      ],
    );
  }
}
