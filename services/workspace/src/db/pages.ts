import { pagingWindow } from "@support/service-kit";
import { connectionOf, type CursorCodec, type PageWindow, type PagingArguments } from "@support/validation";
import type { Page } from "../domain/pages.js";

/**
 * Prisma's arguments to read a keyset window of a list ordered by two columns, both ascending
 * (`ascending`) or both descending: the rows strictly beyond the cursor's key in reading order,
 * read in that order (backward windows read from the list's end), `size + 1` of them.
 */
function keyset<Where, Order>(
  window: PageWindow<readonly [unknown, unknown]>,
  columns: readonly [string, string],
  ascending: boolean,
): { where: Where; orderBy: Order; take: number } {
  const forwardInSql = ascending !== window.backward;
  const op = forwardInSql ? "gt" : "lt";
  const direction = forwardInSql ? "asc" : "desc";
  const [major, minor] = columns;
  const where =
    window.from === null
      ? {}
      : {
          OR: [{ [major]: { [op]: window.from[0] } }, { [major]: window.from[0], [minor]: { [op]: window.from[1] } }],
        };
  return {
    where: where as Where,
    orderBy: [{ [major]: direction }, { [minor]: direction }] as Order,
    take: window.size + 1,
  };
}

/** A time key of a cursor as the column compares it. */
const instantOf = (window: PageWindow<readonly [string, string]>): PageWindow<readonly [Date, string]> => ({
  ...window,
  from: window.from === null ? null : [new Date(window.from[0]), window.from[1]],
});

/** How a list read from PostgreSQL is ordered: by two columns, both ascending or both descending. */
export interface KeysetOrder<Row> {
  columns: readonly [string, string];
  ascending: boolean;
  /** The first column holds instants: the cursor's ISO text is compared as a Date. */
  instant?: boolean;
  keyOf: (row: Row) => [string, string];
}

/**
 * A page of a list read from PostgreSQL: `read` runs the query with the window's where, orderBy
 * and take (`size + 1` rows beyond the cursor's key); totalCount is counted only when asked for.
 */
export async function readPage<Row, Where, Order>(
  args: PagingArguments,
  codec: CursorCodec<[string, string]>,
  order: KeysetOrder<Row>,
  read: (query: { where: Where; orderBy: Order; take: number }) => Promise<Row[]>,
  totalCount: () => number | Promise<number>,
): Promise<Page<Row>> {
  const window = pagingWindow(args, codec);
  const rows = await read(
    keyset<Where, Order>(order.instant ? instantOf(window) : window, order.columns, order.ascending),
  );
  // The key before the spread, not after (docs/adr/0032): the page must not outlive its request.
  return { totalCount, ...connectionOf(rows, window, order.keyOf, codec) };
}

/**
 * A page of a list read with SQL of its own: `read` gets the window itself (`size + 1` rows beyond
 * the cursor's key, in reading order); totalCount is counted only when asked for.
 */
export async function readRawPage<Row, Key>(
  args: PagingArguments,
  codec: CursorCodec<Key>,
  keyOf: (row: Row) => Key,
  read: (window: PageWindow<Key>) => Promise<Row[]>,
  totalCount: () => number | Promise<number>,
): Promise<Page<Row>> {
  const window = pagingWindow(args, codec);
  return { ...connectionOf(await read(window), window, keyOf, codec), totalCount };
}
