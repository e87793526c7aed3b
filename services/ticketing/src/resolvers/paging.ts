import { pagingWindow } from "@support/service-kit";
import { connectionOf, windowOf, type Connection, type CursorCodec, type PagingArguments } from "@support/validation";

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
  const window = pagingWindow(args, options.codec);
  const sorted = [...rows].sort((a, b) => options.compare(options.keyOf(a), options.keyOf(b)));
  const read = windowOf(sorted, window, options.keyOf, options.compare);
  return { ...connectionOf(read, window, options.keyOf, options.codec), totalCount: rows.length };
}
