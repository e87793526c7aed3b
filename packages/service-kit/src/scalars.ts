import { GraphQLError, GraphQLScalarType, Kind, parse, type DocumentNode, type ValueNode } from "graphql";
import { DateTimeResolver, LocalDateResolver, URLResolver } from "graphql-scalars";

/**
 * The graph's custom scalars (docs/api.md, Conventions), from graphql-scalars so that every
 * service parses and prints them the same way. Each keeps graphql-scalars' validation and
 * output, but hands resolvers the canonical string rather than a `Date` or `URL` object: the
 * services' own argument schemas (@support/validation) check strings, and one representation
 * inside the services is simpler than two.
 *
 * - `DateTime`: an instant, RFC 3339 with an offset; answered as ISO 8601 UTC with milliseconds
 *   (`2026-12-03T14:02:11.123Z`). Resolvers get it as `toISOString()`.
 * - `URL`: an absolute URL; resolvers get its `href` (normalised by the WHATWG parser).
 * - `LocalDate`: a calendar date `YYYY-MM-DD` without a time zone (a DATE ticket field).
 */
function handingStrings(
  scalar: GraphQLScalarType,
  description: string,
  canonical: (parsed: unknown) => string,
): GraphQLScalarType {
  const config = scalar.toConfig();
  return new GraphQLScalarType({
    ...config,
    description,
    serialize: (value: unknown) => canonical(config.serialize(value)),
    parseValue: (value: unknown) => refused(scalar.name, () => canonical(config.parseValue?.(value) ?? value)),
    parseLiteral: (ast: ValueNode, variables) =>
      refused(scalar.name, () => canonical(config.parseLiteral?.(ast, variables) ?? null)),
  });
}

/**
 * An argument the scalar refuses is the caller's mistake, whichever way the parser says so:
 * graphql-scalars' URL lets the WHATWG parser's TypeError out ("Invalid URL"), which a subgraph
 * would otherwise report as an unexpected error rather than BAD_USER_INPUT naming the variable.
 */
function refused<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof GraphQLError) throw error;
    throw new GraphQLError(`Expected type "${name}". ${error instanceof Error ? error.message : String(error)}`);
  }
}

export const DateTime = handingStrings(
  DateTimeResolver,
  "An instant: RFC 3339 with an offset in arguments; answered as ISO 8601 UTC with milliseconds (2026-12-03T14:02:11.123Z).",
  (parsed) => (parsed as Date).toISOString(),
);

export const URL = handingStrings(URLResolver, "An absolute URL (https://app.example.com/billing).", (parsed) =>
  typeof parsed === "string" ? new globalThis.URL(parsed).href : String((parsed as { href: string }).href),
);

export const LocalDate = handingStrings(
  LocalDateResolver,
  "A calendar date, YYYY-MM-DD, without a time zone.",
  (parsed) => String(parsed),
);

/** Every scalar a subgraph may declare (`scalar DateTime` …); a schema gets the ones it declares. */
export const GRAPH_SCALARS: Readonly<Record<string, GraphQLScalarType>> = { DateTime, URL, LocalDate };

/** The implementations of the graph scalars a subgraph's SDL declares (`scalar DateTime`, …). */
export function scalarResolversFor(typeDefs: DocumentNode | string): Record<string, GraphQLScalarType> {
  const document = typeof typeDefs === "string" ? parse(typeDefs) : typeDefs;
  const declared = document.definitions.flatMap((definition) =>
    definition.kind === Kind.SCALAR_TYPE_DEFINITION ? [definition.name.value] : [],
  );
  return Object.fromEntries(declared.flatMap((name) => (GRAPH_SCALARS[name] ? [[name, GRAPH_SCALARS[name]]] : [])));
}
