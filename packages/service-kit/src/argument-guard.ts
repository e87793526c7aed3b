import { invalidInput } from "@support/errors";
import { CONTROL_CHARACTER_MESSAGE, LONE_SURROGATE_MESSAGE } from "@support/validation";

/**
 * Two things no string argument may hold, whatever it is (an email, a token, a search, an id, a
 * CSV, a name), because PostgreSQL cannot store them as sent: NUL (U+0000; the text type refuses
 * it, so the query fails as an internal error) and a lone UTF-16 surrogate (half of a pair; it
 * is stored silently altered to U+FFFD). Every subgraph resolver is wrapped so that such an
 * argument is refused first, as BAD_USER_INPUT naming it. Names and free text are refused with
 * more (other control and bidi characters) by their own schemas (@support/validation); this guard
 * covers every string.
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this looks for
const UNSTORABLE = /\u0000|\p{Surrogate}/u;

/** What is wrong with the first unstorable character of `value`, or null when there is none. */
function unstorable(value: string): string | null {
  const found = UNSTORABLE.exec(value)?.[0];
  if (found === undefined) return null;
  if (found === "\u0000") return `${CONTROL_CHARACTER_MESSAGE} (found U+0000)`;
  return `${LONE_SURROGATE_MESSAGE} (found U+${found.charCodeAt(0).toString(16).toUpperCase()})`;
}

/** The path and problem of the first unstorable string inside a resolver's (already coerced) arguments. */
function findUnstorable(
  value: unknown,
  path: ReadonlyArray<string | number> = [],
): { path: Array<string | number>; message: string } | null {
  if (typeof value === "string") {
    const message = unstorable(value);
    return message ? { path: [...path], message } : null;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findUnstorable(item, [...path, index]);
      if (found) return found;
    }
    return null;
  }
  if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const found = findUnstorable(item, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}

/** The path of the first string holding NUL or a lone surrogate inside a resolver's arguments. */
export function findNulArgument(
  value: unknown,
  path: ReadonlyArray<string | number> = [],
): Array<string | number> | null {
  return findUnstorable(value, path)?.path ?? null;
}

export function assertNoNulArgument(args: unknown): void {
  const found = findUnstorable(args);
  if (found) throw invalidInput([found]);
}

type Resolver = (parent: unknown, args: unknown, context: unknown, info: unknown) => unknown;

/** Whether `args` has no own field: most field resolvers (an entry's `actor`, a ticket's `title`) take none. */
function hasNoArguments(args: unknown): boolean {
  if (typeof args !== "object" || args === null) return true;
  for (const key in args) if (Object.hasOwn(args, key)) return false;
  return true;
}

function guard(resolve: Resolver): Resolver {
  return (parent, args, context, info) => {
    // Called for every field of every object in an answer: no walk (and no allocation) without arguments.
    if (!hasNoArguments(args)) assertNoNulArgument(args);
    return resolve(parent, args, context, info);
  };
}

/**
 * Wraps every field resolver of a resolver map (type → field → function, or `{ resolve }`) with
 * the NUL guard. Federation's `__resolveReference`/`__resolveType` and scalars are left alone:
 * they receive no client arguments.
 */
export function guardResolverArguments<Map extends Record<string, unknown>>(resolvers: Map): Map {
  const guarded: Record<string, unknown> = {};
  for (const [typeName, fields] of Object.entries(resolvers)) {
    if (typeof fields !== "object" || fields === null || fields.constructor !== Object) {
      guarded[typeName] = fields;
      continue;
    }
    guarded[typeName] = Object.fromEntries(
      Object.entries(fields).map(([fieldName, field]) => {
        if (fieldName.startsWith("__")) return [fieldName, field];
        if (typeof field === "function") return [fieldName, guard(field as Resolver)];
        if (typeof field === "object" && field !== null && "resolve" in field && typeof field.resolve === "function") {
          return [fieldName, { ...field, resolve: guard(field.resolve as Resolver) }];
        }
        return [fieldName, field];
      }),
    );
  }
  return guarded as Map;
}
