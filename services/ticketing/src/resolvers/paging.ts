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
 * The window `first`/`after`/`last`/`before` ask for, with the graph's one wording: a size out of
 * 1..100, a foreign or forged cursor, or arguments that do not go together are BAD_USER_INPUT
 * naming the argument.
 */
export function windowFrom<Key>(args: PagingArguments, codec: CursorCodec<Key>): PageWindow<Key> {
  const parsed = pagingSchema.safeParse({ first: args.first, after: args.after, last: args.last, before: args.before });
  if (!parsed.success) throw invalidInput(parsed.error.issues);
  const window = pageWindow(parsed.data, codec);
  if (isPagingProblem(window)) throw badUserInput(`${window.field}: ${window.message}`, window.field);
  return window;
}

/**
 * A page of a list held whole in memory (read in one batched query), with its `totalCount`.
 * The rows are put in the key's order first, so the list order and the cursors' agree.
 */
export function pageOfList<Row, Key>(
  rows: ReadonlyArray<Row>,
  args: PagingArguments,
  options: {
    codec: CursorCodec<Key>;
    keyOf: (row: Row) => Key;
    compare: (a: Key, b: Key) => number;
  },
): Connection<Row> & { totalCount: number } {
  const window = windowFrom(args, options.codec);
  const sorted = [...rows].sort((a, b) => options.compare(options.keyOf(a), options.keyOf(b)));
  const read = windowOf(sorted, window, options.keyOf, options.compare);
  return { ...connectionOf(read, window, options.keyOf, options.codec), totalCount: rows.length };
}
