import type { z } from "zod";
import { invalidInput } from "@support/errors";

/** A UUID in its canonical 8-4-4-4-12 hex form, either case: every id this graph hands out. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` can be an id at all: a malformed id is looked up as missing (NOT_FOUND), never queried. */
export const isUuid = (value: unknown): value is string => typeof value === "string" && UUID_PATTERN.test(value);

/**
 * Validates a resolver's argument with `schema`, or throws BAD_USER_INPUT naming each problem.
 * `at`: where the value sits among the field's arguments (`["input"]` for `args.input`), so
 * problems name the path the client wrote (`input.email`).
 */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, at: ReadonlyArray<string> = []): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidInput(parsed.error.issues, at);
  return parsed.data;
}
