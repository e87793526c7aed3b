import { z } from "zod";
import { cursorCodec, cursorKey, type Connection } from "@support/validation";

/**
 * The workspace service's connections (docs/api.md, Conventions): every list that can grow is
 * read a page at a time with first/after or last/before, behind keyset cursors of this service's
 * codec. Lists read from PostgreSQL page there (db/pages.ts: `size + 1` rows beyond the cursor's
 * key); lists already held whole for other reasons (a team's member ids, a workspace's roles)
 * page in memory (`pageInMemory` of @support/service-kit).
 */

/** A connection's answer: the page, and its totalCount (a function when counted only if asked for; GraphQL calls it). */
export type Page<Node> = Connection<Node> & { totalCount: number | (() => number | Promise<number>) };

/** Cursors of lists ordered by a time, then an id: `[createdAt ISO, uuid]`. */
export const timeIdCursor = cursorCodec(z.tuple([cursorKey.instant(), cursorKey.uuid()]));
/** Cursors of lists ordered by a name, then an id: `[name, uuid]`. */
export const nameIdCursor = cursorCodec(z.tuple([z.string().max(500), cursorKey.uuid()]));
/** Cursors of a team's members, ordered by user id: `[uuid]`. */
export const idCursor = cursorCodec(z.tuple([cursorKey.uuid()]));

/** Code-point order of strings: the same in every process, unlike a collation. */
export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Order of `[createdAt ISO, id]` keys: ISO instants of one format sort as text. */
export const compareTimeIdKeys = (a: [string, string], b: [string, string]): number =>
  compareText(a[0], b[0]) || compareText(a[1], b[1]);

/** A membership's place in a list of members: when they joined, then the user's id. */
export const memberKey = (m: { createdAt: Date; userId: string }): [string, string] => [
  m.createdAt.toISOString(),
  m.userId,
];
