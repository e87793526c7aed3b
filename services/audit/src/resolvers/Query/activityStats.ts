import { z } from "zod";
import { badUserInput } from "@support/errors";
import { instantText, parseInput } from "@support/validation";
import { authorizeLog } from "../../authorization.js";
import type { AuditContext } from "../../context.js";
import { labelsOf } from "../../db/labels.js";
import { compareMembers, memberKeyOf } from "../../domain/activity-stats.js";
import type { QueryResolvers } from "../../generated/graphql.js";

const MAX_RANGE_DAYS = 400;
const args = z.object({
  workspaceId: z.string(),
  // Within what timestamptz holds: 2024-02-30 or year 0000 is BAD_USER_INPUT, not a database error.
  from: instantText(),
  to: instantText(),
});

interface Row {
  actor_type: string;
  actor_id: string | null;
  category: string;
  count: number;
}

const DAY = 86_400_000;
const startOfUtcDay = (at: Date) => new Date(Math.floor(at.getTime() / DAY) * DAY);
/** A UTC day as text: a Date parameter would be cast to a date in the session's time zone. */
const isoDay = (at: Date) => at.toISOString().slice(0, 10);

/**
 * Counts per actor and category over [from, to): whole UTC days from activity_daily_count (kept
 * at ingestion), the partial days at the edges from activity_entry's index on
 * (workspace_id, occurred_at, actor_type, actor_id, category). The cost follows the number of
 * days and actors, not of entries.
 */
async function countsBetween(ctx: AuditContext, workspaceId: string, from: Date, to: Date): Promise<Row[]> {
  const firstWholeDay =
    from.getTime() === startOfUtcDay(from).getTime() ? from : new Date(startOfUtcDay(from).getTime() + DAY);
  const endOfWholeDays = startOfUtcDay(to);
  const fromEntries = (start: Date, end: Date) => ctx.db.$queryRaw<Row[]>`
    SELECT actor_type, actor_id, category, count(*)::int AS count
      FROM activity_entry
     WHERE workspace_id = ${workspaceId}::uuid AND occurred_at >= ${start} AND occurred_at < ${end}
     GROUP BY actor_type, actor_id, category`;
  if (firstWholeDay >= endOfWholeDays) return fromEntries(from, to);
  const [head, days, tail] = await Promise.all([
    from < firstWholeDay ? fromEntries(from, firstWholeDay) : [],
    ctx.db.$queryRaw<Row[]>`
      SELECT actor_type, nullif(actor_id, '') AS actor_id, category, sum(count)::int AS count
        FROM activity_daily_count
       WHERE workspace_id = ${workspaceId}::uuid AND day >= ${isoDay(firstWholeDay)}::date AND day < ${isoDay(endOfWholeDays)}::date
       GROUP BY actor_type, actor_id, category`,
    endOfWholeDays < to ? fromEntries(endOfWholeDays, to) : [],
  ]);
  const merged = new Map<string, Row>();
  for (const row of [...head, ...days, ...tail]) {
    const key = `${row.actor_type}|${row.actor_id ?? ""}|${row.category}`;
    const existing = merged.get(key);
    if (existing) existing.count += row.count;
    else merged.set(key, { ...row });
  }
  return [...merged.values()];
}

/** Per actor, per category counts over [from, to); labels (API key prefixes) from each key's newest entry. */
export const activityStats: QueryResolvers["activityStats"] = async (_, rawArgs, ctx) => {
  const parsed = parseInput(args, rawArgs);
  const { workspaceId } = parsed;
  const from = new Date(parsed.from);
  const to = new Date(parsed.to);
  if (to <= from) throw badUserInput("to must be after from", "to");
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * 86_400_000)
    throw badUserInput(`the range may span at most ${MAX_RANGE_DAYS} days`, "to");
  await authorizeLog(ctx, workspaceId, "activity_log:view");

  const rows = await countsBetween(ctx, workspaceId, from, to);
  const keyIds = [...new Set(rows.filter((r) => r.actor_type === "apiKey" && r.actor_id).map((r) => r.actor_id!))];
  const prefixes = new Map<string, string | null>();
  if (keyIds.length > 0) {
    const labels = await ctx.db.$queryRaw<Array<{ actor_id: string; actor_label: string | null }>>`
      SELECT DISTINCT ON (actor_id) actor_id, actor_label FROM activity_entry
       WHERE workspace_id = ${workspaceId}::uuid AND actor_id = ANY(${keyIds}::text[])
       ORDER BY actor_id, occurred_at DESC, seq DESC`;
    for (const label of labels) prefixes.set(label.actor_id, label.actor_label);
  }
  // People by name, from what the log knows of them (db/labels.ts): the chart's bars need no id look-up.
  const userIds = new Set(rows.filter((r) => r.actor_type === "user" && r.actor_id).map((r) => r.actor_id!));
  const names =
    userIds.size > 0 && ctx.actor.kind !== "anonymous"
      ? await labelsOf(ctx.pool, { workspaceId, organisationId: ctx.actor.organisationId }, userIds)
      : new Map<string, string>();

  const actors = new Map<
    string,
    { actor: { type: string; id: string | null; label: string | null }; counts: Map<string, number> }
  >();
  for (const row of rows) {
    const key = `${row.actor_type}:${row.actor_id ?? ""}`;
    let actor = actors.get(key);
    if (!actor) {
      const label =
        row.actor_type === "apiKey"
          ? (prefixes.get(row.actor_id ?? "") ?? null)
          : row.actor_id
            ? (names.get(row.actor_id) ?? null)
            : row.actor_type;
      actor = { actor: { type: row.actor_type, id: row.actor_id, label }, counts: new Map() };
      actors.set(key, actor);
    }
    actor.counts.set(row.category, row.count);
  }
  const members = [...actors.values()]
    .map(({ actor, counts }) => ({
      actor,
      key: `${actor.type}:${actor.id ?? ""}`,
      total: [...counts.values()].reduce((a, b) => a + b, 0),
      byCategory: [...counts.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([category, count]) => ({ category, count })),
    }))
    .sort((a, b) => compareMembers(memberKeyOf(a), memberKeyOf(b)));
  return {
    from,
    to,
    categories: [...new Set(rows.map((r) => r.category))].sort(),
    members,
  };
};
