import { z } from "zod";

/** The largest page any list of the graph answers (`first`, `last`). */
export const MAX_PAGE_SIZE = 100;

/**
 * The page every connection answers when neither `first` nor `last` is given; the gateway's cost
 * limit counts such a connection at this size too. Not a schema default (`first: Int = 50`): a
 * default `first` would clash with a client's `last`.
 */
export const DEFAULT_PAGE_SIZE = 50;

/** A page size argument: the same bounds and the same words in every service. */
export const pageSize = () =>
  z
    .number()
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`);
