import { ApolloArmor } from "@escape.tech/graphql-armor";
import type { ApolloServerPlugin } from "@apollo/server";
import type { ValidationRule } from "graphql";

/**
 * What one client operation may ask of the graph. The product's own tests and benchmarks send
 * operations at most 5 selection sets deep, with no aliases or directives and under 100 tokens
 * (measured over test/ and bench/); these leave room for real clients and refuse the abusive
 * shapes (a depth-50 query, 500 aliases of one field) before anything is planned or fetched.
 */
export const GATEWAY_LIMITS = {
  /** Nested selection depth. */
  maxDepth: 10,
  /** Aliased fields per operation (each alias can repeat an expensive field). */
  maxAliases: 20,
  /** Directives per operation. */
  maxDirectives: 20,
  /**
   * Lexical tokens per document: bounds the parser's work before validation starts. Enforced by
   * graphql-js's own parser option (Apollo's `parseOptions`): graphql-armor's token plugin
   * throws from an Apollo hook, which Apollo answers as an internal error (HTTP 500).
   */
  maxTokens: 1_000,
  /** graphql-armor's cost: 2 per object field, 1 per scalar field, multiplied by 1.5 per level. */
  maxCost: 5_000,
};

export type GatewayLimits = typeof GATEWAY_LIMITS;

/**
 * The gateway's Apollo Server options that enforce the limits. Depth, aliases, directives and
 * cost are graphql-armor validation rules: a refusal is GRAPHQL_VALIDATION_FAILED, HTTP 400, with
 * a message naming the limit. Too many tokens is GRAPHQL_PARSE_FAILED, HTTP 400. Field
 * suggestions ("Did you mean …") are removed from every message, so an anonymous caller cannot
 * map the schema by guessing.
 */
export function gatewayProtection(limits: GatewayLimits = GATEWAY_LIMITS): {
  plugins: ApolloServerPlugin[];
  validationRules: ValidationRule[];
  parseOptions: { maxTokens: number };
} {
  const { plugins, validationRules } = new ApolloArmor({
    maxDepth: { n: limits.maxDepth },
    maxAliases: { n: limits.maxAliases },
    maxDirectives: { n: limits.maxDirectives },
    maxTokens: { enabled: false },
    costLimit: { maxCost: limits.maxCost },
    blockFieldSuggestion: { enabled: true },
  }).protect();
  // graphql-armor's declarations resolve @apollo/server's CommonJS types, ours its ESM ones: the
  // same interfaces, declared twice (a private field makes them incompatible to TypeScript).
  return {
    plugins: plugins as unknown as ApolloServerPlugin[],
    validationRules,
    parseOptions: { maxTokens: limits.maxTokens },
  };
}
