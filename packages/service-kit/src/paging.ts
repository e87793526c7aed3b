import { z } from "zod";
import { badUserInput, invalidInput } from "@support/errors";
import {
  connectionOf,
  isPagingProblem,
  pageWindow,
  pagingArguments,
  windowOf,
  type Connection,
  type CursorCodec,
  type PageWindow,
  type PagingArguments,
} from "@support/validation";

const pagingSchema = z.object(pagingArguments);

/**
 * The window a connection's `first`/`after`/`last`/`before` ask for, refused with the graph's one
 * wording: a size out of 1..100, a forged or foreign cursor, or arguments that do not go together
 * are BAD_USER_INPUT naming the argument (docs/api.md, Pagination).
 */
export function pagingWindow<Key>(args: PagingArguments, codec: CursorCodec<Key>): PageWindow<Key> {
  const parsed = pagingSchema.safeParse({ first: args.first, after: args.after, last: args.last, before: args.before });
  if (!parsed.success) throw invalidInput(parsed.error.issues);
  const window = pageWindow(parsed.data, codec);
  if (isPagingProblem(window)) throw badUserInput(`${window.field}: ${window.message}`, window.field);
  return window;
}

/**
 * A page of a list held whole in memory (read in one query anyway: a workspace's roles, a
 * ticket's replies, a chart's bars), with its `totalCount`. The rows are put in the key's order
 * first, so the list's order and the cursors' agree.
 */
export function pageInMemory<Row, Key>(
  rows: ReadonlyArray<Row>,
  args: PagingArguments,
  order: { codec: CursorCodec<Key>; keyOf: (row: Row) => Key; compare: (a: Key, b: Key) => number },
): Connection<Row> & { totalCount: number } {
  const window = pagingWindow(args, order.codec);
  const sorted = [...rows].sort((a, b) => order.compare(order.keyOf(a), order.keyOf(b)));
  const read = windowOf(sorted, window, order.keyOf, order.compare);
  // The key before the spread, not after (docs/adr/0032): the page must not outlive its request.
  return { totalCount: rows.length, ...connectionOf(read, window, order.keyOf, order.codec) };
}
