import { z } from "zod";

/** The largest page any list of the graph answers (`first`, `last`). */
export const MAX_PAGE_SIZE = 100;

/** A page size argument: the same bounds and the same words in every service. */
export const pageSize = () =>
  z
    .number()
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`);
