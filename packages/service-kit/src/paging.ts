import { z } from "zod";
import { badUserInput, invalidInput } from "@support/errors";
import {
  isPagingProblem,
  pageWindow,
  pagingArguments,
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
