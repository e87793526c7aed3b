import { UUID_PATTERN } from "./ids.js";
import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { isInstant } from "./time.js";

/**
 * The one page-cursor codec of every service (issues 19, 20). A cursor is base64url JSON and,
 * once the service has its keys (`signCursorsWith`, from ACTOR_CONTEXT_KEYS at start), a MAC of
 * it: `<payload>.<mac>`. Decoding verifies the MAC against every configured key (so a key rotation
 * keeps cursors of the old key valid while both are listed), then checks the payload against the
 * schema of what the service itself encodes, with every key in the range its column holds (an
 * integer sort key is a safe integer within its bounds, a time an `isInstant`, an id a UUID). A
 * forged or altered cursor is the caller's mistake (BAD_USER_INPUT naming the argument) and never
 * reaches PostgreSQL. A cursor only positions a page; it never widens what the caller may read.
 */
export interface CursorCodec<T> {
  encode(value: T): string;
  /** The cursor's value, or null for anything that is not a cursor this codec made. */
  decode(cursor: string): T | null;
}

/** The longest cursor decoded at all; a service's own are far shorter. */
const MAX_CURSOR_LENGTH = 1_000;

/** MAC keys: the first signs, all verify. Derived, so the actor-context secrets sign nothing else here. */
let macKeys: Buffer[] = [];

/**
 * Signs every cursor from now on with the first secret and accepts those of any (the service's
 * ACTOR_CONTEXT_KEYS secrets, which every replica shares). Without keys (unit tests), cursors are
 * unsigned and checked by their schema only.
 */
export function signCursorsWith(secrets: readonly string[]): void {
  macKeys = secrets.map((secret) => createHmac("sha256", secret).update("support.page-cursor.v1").digest());
}

const macOf = (key: Buffer, payload: string): Buffer =>
  createHmac("sha256", key).update(payload).digest().subarray(0, 16);

function verified(cursor: string): string | null {
  if (macKeys.length === 0) return cursor;
  const dot = cursor.indexOf(".");
  if (dot < 0) return null;
  const payload = cursor.slice(0, dot);
  const mac = Buffer.from(cursor.slice(dot + 1), "base64url");
  const valid = macKeys.some((key) => {
    const expected = macOf(key, payload);
    return mac.length === expected.length && timingSafeEqual(mac, expected);
  });
  return valid ? payload : null;
}

export function cursorCodec<Schema extends z.ZodType>(schema: Schema): CursorCodec<z.output<Schema>> {
  return {
    encode(value) {
      const payload = Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
      const [key] = macKeys;
      return key ? `${payload}.${macOf(key, payload).toString("base64url")}` : payload;
    },
    decode(cursor) {
      if (typeof cursor !== "string" || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_.-]*$/.test(cursor))
        return null;
      const payload = verified(cursor);
      if (payload === null) return null;
      let json: unknown;
      try {
        json = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
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
  uuid: () => z.string().regex(UUID_PATTERN),
};
