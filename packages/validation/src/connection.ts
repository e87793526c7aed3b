import { z } from "zod";
import type { CursorCodec } from "./cursor.js";
import { DEFAULT_PAGE_SIZE, pageSize } from "./page.js";

/**
 * The one connection of the graph (docs/api.md, Pagination): `edges { cursor node }`, `nodes`,
 * `pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`, read forward with
 * `first`/`after` or backward with `last`/`before`. Every list that can grow is paged with these
 * two functions: `pageWindow` checks the arguments and says what to read, `connectionOf` turns the
 * rows read into the answer. Cursors are the service's own `cursorCodec`: opaque to clients,
 * checked on the way in (a forged or foreign cursor is BAD_USER_INPUT naming its argument).
 */

/** The paging arguments, checked the same way in every service (merge into a resolver's schema). */
export const pagingArguments = {
  first: pageSize().nullish(),
  after: z.string().max(1_000, "must be a cursor this list answered").nullish(),
  last: pageSize().nullish(),
  before: z.string().max(1_000, "must be a cursor this list answered").nullish(),
};

export interface PagingArguments {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** What to read: `size + 1` rows from `from` (exclusive) towards the list's end, or its start when `backward`. */
export interface PageWindow<Key> {
  backward: boolean;
  size: number;
  from: Key | null;
}

/** An argument the window refuses, with the words every service uses. */
export interface PagingProblem {
  field: "first" | "after" | "last" | "before";
  message: string;
}

export function pageWindow<Key>(
  args: PagingArguments,
  codec: CursorCodec<Key>,
  defaultSize: number = DEFAULT_PAGE_SIZE,
): PageWindow<Key> | PagingProblem {
  // Absent and null mean the same: not given.
  const first = args.first ?? null;
  const after = args.after ?? null;
  const last = args.last ?? null;
  const before = args.before ?? null;
  if (first !== null && last !== null) return { field: "last", message: "give first or last, not both" };
  if (first !== null && before !== null) return { field: "before", message: "goes with last, not first" };
  if (last !== null && after !== null) return { field: "after", message: "goes with first, not last" };
  if (after !== null && before !== null) return { field: "before", message: "give after or before, not both" };
  const backward = last !== null || before !== null;
  const cursor = backward ? before : after;
  const from = cursor !== null ? codec.decode(cursor) : null;
  if (cursor !== null && from === null) {
    return { field: backward ? "before" : "after", message: "must be a cursor this list answered" };
  }
  return { backward, size: (backward ? last : first) ?? defaultSize, from };
}

export const isPagingProblem = <Key>(value: PageWindow<Key> | PagingProblem): value is PagingProblem =>
  "field" in value;

export interface Connection<Node> {
  edges: Array<{ readonly cursor: string; node: Node }>;
  nodes: Node[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/**
 * The answer for rows read through `window`, in reading order (backward windows read from the
 * end), up to `size + 1` of them: the extra row only says that more follow. Paging forward, a
 * page that started at a cursor has a previous page (the cursor's row was before it); backward,
 * likewise for the next page, as Relay's specification allows when counting would cost a query.
 */
export function connectionOf<Row, Key>(
  rows: ReadonlyArray<Row>,
  window: PageWindow<Key>,
  keyOf: (row: Row) => Key,
  codec: CursorCodec<Key>,
): Connection<Row> {
  const more = rows.length > window.size;
  const nodes = rows.slice(0, window.size);
  if (window.backward) nodes.reverse();
  const edges = nodes.map((node) => new LazyEdge(node, () => codec.encode(keyOf(node))));
  const started = window.from !== null;
  return {
    edges,
    nodes,
    pageInfo: pageInfoOf(edges[0], edges.at(-1), window.backward ? started : more, window.backward ? more : started),
  };
}

/**
 * Page info whose cursors are made when read, from the page's first and last edge only: an object
 * literal with getters (this one, one per page) outlives the young generation's collections on
 * Node 20's V8, so its getters must not hold the whole page (see LazyEdge).
 */
function pageInfoOf(
  first: LazyEdge<unknown> | undefined,
  last: LazyEdge<unknown> | undefined,
  hasNextPage: boolean,
  hasPreviousPage: boolean,
): Connection<unknown>["pageInfo"] {
  return {
    hasNextPage,
    hasPreviousPage,
    get startCursor() {
      return first?.cursor ?? null;
    },
    get endCursor() {
      return last?.cursor ?? null;
    },
  };
}

/**
 * An edge whose cursor is made when first read: most queries ask for `nodes` only, and a cursor
 * costs a JSON encoding and an HMAC (a page of 50 tickets made 50 for nothing; BENCHMARKS.md,
 * issue 25). A resolver that re-maps edges passes the edge's cursor on the same way (`mapEdge`).
 * A class with its getter on the prototype, not an object literal with a getter: on Node 20's V8
 * an object literal with an accessor (like a key added after an object spread) survives the young
 * generation's collections until the next full one, with all it holds, so every page answered
 * was copied and promoted (BENCHMARKS.md, issue 25: the activity log's scavenges).
 */
class LazyEdge<Node> {
  #cursor: string | undefined;
  readonly #encode: () => string;

  constructor(
    readonly node: Node,
    encode: () => string,
  ) {
    this.#encode = encode;
  }

  get cursor(): string {
    return (this.#cursor ??= this.#encode());
  }
}

/** The same edge over another node, its cursor still made only when read. */
export const mapEdge = <From, To>(edge: { readonly cursor: string; node: From }, node: To) =>
  new LazyEdge(node, () => edge.cursor);

/**
 * The rows of a window over a list held whole in memory (a small list read in one query: a
 * workspace's roles, a ticket's replies), in reading order, `size + 1` at most. `compare` orders
 * two keys as the list is ordered; rows are matched to the cursor by key, so a row removed since
 * the cursor was made does not shift the page.
 */
export function windowOf<Row, Key>(
  sorted: ReadonlyArray<Row>,
  window: PageWindow<Key>,
  keyOf: (row: Row) => Key,
  compare: (a: Key, b: Key) => number,
): Row[] {
  const from = window.from;
  const ordered = window.backward ? [...sorted].reverse() : [...sorted];
  const beyond =
    from === null
      ? ordered
      : ordered.filter((row) => {
          const order = compare(keyOf(row), from);
          return window.backward ? order < 0 : order > 0;
        });
  return beyond.slice(0, window.size + 1);
}
