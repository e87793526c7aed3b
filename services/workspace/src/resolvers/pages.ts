import { pagingWindow } from "@support/service-kit";
import { z } from "zod";
import {
  connectionOf,
  cursorCodec,
  cursorKey,
  windowOf,
  type Connection,
  type CursorCodec,
  type PageWindow,
  type PagingArguments,
} from "@support/validation";
import type { Membership } from "../db/generated/client.js";

/**
 * The workspace service's connections (docs/api.md, Conventions): every list that can grow is
 * read a page at a time with first/after or last/before, behind keyset cursors of this service's
 * codec. Lists read from PostgreSQL page there (`keyset`: `size + 1` rows beyond the cursor's key);
 * lists already held whole for other reasons (a team's member ids, a workspace's roles) page in
 * memory (`pageOf`).
 */

/** A connection's answer: the page, and its totalCount, counted only when asked for. */
export type Page<Node> = Connection<Node> & { totalCount: () => number | Promise<number> };

/** Cursors of lists ordered by a time, then an id: `[createdAt ISO, uuid]`. */
export const timeIdCursor = cursorCodec(z.tuple([cursorKey.instant(), cursorKey.uuid()]));
/** Cursors of lists ordered by a name, then an id: `[name, uuid]`. */
export const nameIdCursor = cursorCodec(z.tuple([z.string().max(500), cursorKey.uuid()]));
/** Cursors of a team's members, ordered by user id: `[uuid]`. */
export const idCursor = cursorCodec(z.tuple([cursorKey.uuid()]));

/**
 * Prisma's arguments to read a keyset window of a list ordered by two columns, both ascending
 * (`ascending`) or both descending: the rows strictly beyond the cursor's key in reading order,
 * read in that order (backward windows read from the list's end), `size + 1` of them.
 */
export function keyset<Where, Order>(
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
export const instantOf = (window: PageWindow<readonly [string, string]>): PageWindow<readonly [Date, string]> => ({
  ...window,
  from: window.from === null ? null : [new Date(window.from[0]), window.from[1]],
});

/** The page of rows read through `keyset`, with its totalCount. */
export function page<Row, Key>(
  rows: ReadonlyArray<Row>,
  window: PageWindow<Key>,
  keyOf: (row: Row) => Key,
  codec: CursorCodec<Key>,
  totalCount: () => number | Promise<number>,
): Page<Row> {
  return { ...connectionOf(rows, window, keyOf, codec), totalCount };
}

/** A page of a list held whole in memory, `sorted` by `compare` over `keyOf`. */
export function pageOf<Row, Key>(
  sorted: ReadonlyArray<Row>,
  args: PagingArguments,
  codec: CursorCodec<Key>,
  keyOf: (row: Row) => Key,
  compare: (a: Key, b: Key) => number,
): Page<Row> {
  const window = pagingWindow(args, codec);
  const rows = windowOf(sorted, window, keyOf, compare);
  return { ...connectionOf(rows, window, keyOf, codec), totalCount: () => sorted.length };
}

/** Code-point order of strings: the same in every process, unlike a collation. */
export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A membership's place in a list of members: when they joined, then the user's id. */
export const memberKey = (m: Membership): [string, string] => [m.createdAt.toISOString(), m.userId];
