import { z } from "zod";
import { pagingWindow } from "@support/service-kit";
import { connectionOf, cursorCodec, cursorKey, mapEdge, pagingArguments, parseInput } from "@support/validation";
import { authorizeLog } from "../../authorization.js";
import type { AuditContext } from "../../context.js";
import { entriesPage, type EntryRow } from "../../db/entries.js";
import { activityFilter } from "../../domain/activity-filter.js";
import { isRedacted, ticketsToAsk, type LogReader } from "../../domain/redaction.js";
import type { QueryResolvers } from "../../generated/graphql.js";
import { labelsFor } from "../ActivityEntry.js";

const args = z.object({
  workspaceId: z.string(),
  ...pagingArguments,
  filter: activityFilter,
});

/**
 * The page cursor (@support/validation's codec): an entry's key in the log's order, a timestamptz
 * and a bigint, each in range, so a forged one is BAD_USER_INPUT and never reaches PostgreSQL.
 */
const activityCursor = cursorCodec(z.object({ occurredAt: cursorKey.instant(), seq: cursorKey.bigint() }));
const keyOf = (entry: EntryRow) => ({ occurredAt: entry.occurredAt.toISOString(), seq: entry.seq });

/**
 * The log, newest first, as a connection: forward (`first`/`after`) loads older entries, backward
 * (`last`/`before`) reads newer ones back towards the newest; keyset on (occurredAt, seq), so
 * entries arriving meanwhile never shift a page.
 */
export const activityLog: QueryResolvers["activityLog"] = async (_, rawArgs, ctx) => {
  const { workspaceId, filter, ...paging } = parseInput(args, rawArgs);
  const window = pagingWindow(paging, activityCursor);
  const reader = await authorizeLog(ctx, workspaceId, "activity_log:view");

  const rows = await entriesPage(ctx.pool, workspaceId, filter, {
    from: window.from && { occurredAt: new Date(window.from.occurredAt), seq: window.from.seq },
    backward: window.backward,
    limit: window.size + 1,
  });
  const page = connectionOf(rows, window, keyOf, activityCursor);
  const nodes = await shownTo(ctx, workspaceId, reader, page.nodes);
  // Redaction and labels map the page's nodes one to one: each edge gets its node as shown.
  return {
    ...page,
    nodes,
    edges: page.edges.map((edge, index) => mapEdge(edge, nodes[index]!)),
  };
};

/**
 * The page as `reader` may see it (docs/adr/0013), with names for its bare ids: entries about
 * tickets outside their access keep action, actor and time, without target label or changes. A
 * reader with a narrower ticket access costs one call to ticketing per page (only when the page
 * holds ticket entries); the labels' look-up runs beside it, for every entry that may be shown
 * whole, so the call adds its own time to the page's and no more.
 */
async function shownTo(
  ctx: AuditContext,
  workspaceId: string,
  reader: LogReader,
  page: EntryRow[],
): Promise<EntryRow[]> {
  const ask = ticketsToAsk(reader, page);
  const askedAsVisible = new Set(ask);
  const [visible, labels] = await Promise.all([
    ask.length > 0 ? ctx.tickets.among(workspaceId, ask) : askedAsVisible,
    labelsFor(ctx, workspaceId, page, (entry) => !isRedacted(reader, entry, askedAsVisible)),
  ]);
  // The keys an entry does not have go before the spread: on Node 20's V8 a key added after an
  // object spread keeps every copy, and the page with it, alive until the next full collection
  // (docs/adr/0032). Read rows never hold `redacted` or `labels`.
  return page.map((entry) =>
    isRedacted(reader, entry, visible)
      ? { redacted: true, labels, ...entry, targetLabel: null, changes: [] }
      : { labels, ...entry },
  );
}
