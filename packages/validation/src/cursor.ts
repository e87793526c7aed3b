import { z } from "zod";
import { isInstant } from "./time.js";

/**
 * The one page-cursor codec of every service (issue 19). A cursor is base64url JSON, so anyone
 * can forge one: decoding checks it against the schema of what the service itself encodes, with
 * every key in the range its column holds (an integer sort key is a safe integer within its
 * bounds, a time an `isInstant`, an id a UUID), so a forged cursor is the caller's mistake
 * (BAD_USER_INPUT naming the argument, said by the service) and never reaches PostgreSQL.
 */
export interface CursorCodec<T> {
  encode(value: T): string;
  /** The cursor's value, or null for anything that is not a cursor this codec made. */
  decode(cursor: string): T | null;
}

/** The longest cursor decoded at all; a service's own are far shorter. */
const MAX_CURSOR_LENGTH = 1_000;

export function cursorCodec<Schema extends z.ZodType>(schema: Schema): CursorCodec<z.output<Schema>> {
  return {
    encode: (value) => Buffer.from(JSON.stringify(value), "utf8").toString("base64url"),
    decode(cursor) {
      if (typeof cursor !== "string" || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]*={0,2}$/.test(cursor))
        return null;
      let json: unknown;
      try {
        json = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
      } catch {
        return null;
      }
      const parsed = schema.safeParse(json);
      return parsed.success ? parsed.data : null;
    },
  };
}

/** Pieces of cursor schemas, each within what its column holds. */
export const cursorKey = {
  /** A timestamptz key as the service wrote it (toISOString). */
  instant: () => z.string().refine(isInstant),
  /** An integer key within [min, max] (an int column: at most 2^31 - 1). */
  integer: (min = 0, max = 2_147_483_647) => z.number().int().min(min).max(max),
  /** A bigint key as decimal text, 0 to 2^63 - 1. */
  bigint: () =>
    z
      .string()
      .regex(/^\d{1,19}$/)
      .refine((value) => BigInt(value) <= 9_223_372_036_854_775_807n),
  uuid: () => z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i),
};
