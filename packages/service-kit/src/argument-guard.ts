import { invalidInput } from "@support/errors";
import { CONTROL_CHARACTER_MESSAGE } from "@support/validation";

/**
 * PostgreSQL's text type cannot hold NUL (U+0000): a NUL in any argument that reaches a query —
 * an email, a token, a search, an id — would fail there as an internal error. Every subgraph
 * resolver is wrapped so that such an argument is refused first, as BAD_USER_INPUT naming it.
 * Names and free text are refused with more (other control and bidi characters) by their own
 * schemas (@support/validation); this guard covers every other string.
 */
const NUL = "\u0000";

/** The path of the first string holding NUL inside a resolver's (already coerced) arguments. */
export function findNulArgument(
  value: unknown,
  path: ReadonlyArray<string | number> = [],
): Array<string | number> | null {
  if (typeof value === "string") return value.includes(NUL) ? [...path] : null;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findNulArgument(item, [...path, index]);
      if (found) return found;
    }
    return null;
  }
  if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const found = findNulArgument(item, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}

export function assertNoNulArgument(args: unknown): void {
  const path = findNulArgument(args);
  if (path) throw invalidInput([{ path, message: `${CONTROL_CHARACTER_MESSAGE} (found U+0000)` }]);
}

type Resolver = (parent: unknown, args: unknown, context: unknown, info: unknown) => unknown;

function guard(resolve: Resolver): Resolver {
  return (parent, args, context, info) => {
    assertNoNulArgument(args);
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
