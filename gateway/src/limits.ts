import { ApolloArmor } from "@escape.tech/graphql-armor";
import type { ApolloServerPlugin } from "@apollo/server";
import { DEFAULT_PAGE_SIZE } from "@support/validation";
import {
  GraphQLError,
  Kind,
  valueFromASTUntyped,
  getNamedType,
  isInterfaceType,
  isObjectType,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type ValidationRule,
} from "graphql";

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
  /**
   * An operation's cost (`operationCost`): 2 per object field, 1 per scalar field, each level's
   * children weighted 1.5, and a field's whole subtree multiplied by its `first`/`last`, read
   * from the operation's variables too.
   */
  maxCost: 5_000,
};

export type GatewayLimits = typeof GATEWAY_LIMITS;

/**
 * The gateway's Apollo Server options that enforce the limits. Depth, aliases and directives are
 * graphql-armor validation rules: a refusal is GRAPHQL_VALIDATION_FAILED, HTTP 400, with a message
 * naming the limit. Too many tokens is GRAPHQL_PARSE_FAILED, HTTP 400. The cost is measured once
 * the operation and its variables are known (`operationLimits`): over the limit is
 * BAD_USER_INPUT, HTTP 400, with `extensions.cost`. Field suggestions ("Did you mean …") are
 * removed from every message, so an anonymous caller cannot map the schema by guessing.
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
    // Measured with the operation's variables by operationLimits: armor's rule reads literals only.
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: true },
  }).protect();
  // graphql-armor's declarations resolve @apollo/server's CommonJS types, ours its ESM ones: the
  // same interfaces, declared twice (a private field makes them incompatible to TypeScript).
  return {
    plugins: [...(plugins as unknown as ApolloServerPlugin[]), operationLimits(limits)],
    validationRules,
    parseOptions: { maxTokens: limits.maxTokens },
  };
}

/** `extensions.cost` of every answer, as Shopify's: what the operation cost and the most allowed. */
export interface OperationCost {
  requestedQueryCost: number;
  maximumAvailable: number;
}

const COST = { object: 2, scalar: 1, depthFactor: 1.5 } as const;

/**
 * What an operation costs: 2 per object field and 1 per scalar field, each child weighted 1.5, a
 * field's subtree multiplied by its `first` or `last` argument, whether written in the query or
 * passed as a variable (or the variable's default, or with the schema the argument's default; a
 * connection left unsized counts as the page it answers, DEFAULT_PAGE_SIZE).
 * Introspection (`__schema`) is free. Fragments are costed
 * once each and counted at every spread. (graphql-armor's formula, which reads literals only.)
 */
export function operationCost(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> = {},
  /** With the schema, an argument left out counts at its default (`first: Int = 50`). */
  schema?: GraphQLSchema,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const defaults: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? [])
    if (definition.defaultValue)
      defaults[definition.variable.name.value] = valueFromASTUntyped(definition.defaultValue);
  const values = { ...defaults, ...variables };
  const fragmentCosts = new Map<string, number>();
  // Validation has refused fragment cycles before this runs; the guard only keeps a bug finite.
  const visiting = new Set<string>();
  type Parent = GraphQLNamedType | null | undefined;
  const typeNamed = (name: string | undefined): Parent => (name && schema ? schema.getType(name) : undefined);
  const rootType =
    operation.operation === "query"
      ? schema?.getQueryType()
      : operation.operation === "mutation"
        ? schema?.getMutationType()
        : schema?.getSubscriptionType();
  const fieldOf = (parent: Parent, name: string) =>
    parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[name] : undefined;

  const asCount = (value: unknown): number | undefined =>
    typeof value === "number" && Number.isFinite(value) ? Math.max(1, value) : undefined;

  const multiplier = (selection: SelectionNode & { kind: Kind.FIELD }, parent: Parent): number => {
    const argument = selection.arguments?.find((arg) => arg.name.value === "first" || arg.name.value === "last");
    const given = argument ? asCount(valueFromASTUntyped(argument.value, values)) : undefined;
    if (given !== undefined) return given;
    // Left out (or a variable not sent): the schema's default, the larger of first's and last's;
    // a connection without one answers DEFAULT_PAGE_SIZE items.
    const field = fieldOf(parent, selection.name.value);
    const args = field?.args ?? [];
    const fallback = args
      .filter((arg) => arg.name === "first" || arg.name === "last")
      .map((arg) => asCount(arg.defaultValue) ?? 1);
    const connection = field !== undefined && getNamedType(field.type).name.endsWith("Connection");
    return Math.max(1, connection ? DEFAULT_PAGE_SIZE : 1, ...fallback);
  };

  const costOf = (selection: SelectionNode, parent: Parent): number => {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value === "__schema") return 0;
      if (!selection.selectionSet) return COST.scalar;
      const field = fieldOf(parent, selection.name.value);
      const type = field ? getNamedType(field.type) : undefined;
      const children = selection.selectionSet.selections.reduce((sum, child) => sum + costOf(child, type), 0);
      return (COST.object + COST.depthFactor * children) * multiplier(selection, parent);
    }
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition ? typeNamed(selection.typeCondition.name.value) : parent;
      return (
        COST.object + COST.depthFactor * selection.selectionSet.selections.reduce((sum, c) => sum + costOf(c, type), 0)
      );
    }
    const name = selection.name.value;
    let cost = fragmentCosts.get(name);
    if (cost === undefined) {
      const fragment = fragments.get(name);
      if (!fragment || visiting.has(name)) return COST.scalar;
      visiting.add(name);
      const type = typeNamed(fragment.typeCondition.name.value);
      cost =
        COST.object + COST.depthFactor * fragment.selectionSet.selections.reduce((sum, c) => sum + costOf(c, type), 0);
      visiting.delete(name);
      fragmentCosts.set(name, cost);
    }
    return COST.scalar + COST.depthFactor * cost;
  };

  return operation.selectionSet.selections.reduce((sum, selection) => sum + costOf(selection, rootType), 0);
}

/**
 * Refusals that need the resolved operation: an operation type the graph does not serve
 * (`subscription`: BAD_REQUEST, HTTP 400, never a 500 from the planner), and a cost over the limit
 * with the operation's variables (BAD_USER_INPUT, HTTP 400). Every answer with a costed operation
 * carries `extensions.cost`.
 */
export function operationLimits(limits: GatewayLimits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      let cost: OperationCost | undefined;
      return {
        async didResolveOperation({ operation, document, request, schema }) {
          if (!operation) return;
          const root =
            operation.operation === "query"
              ? schema.getQueryType()
              : operation.operation === "mutation"
                ? schema.getMutationType()
                : schema.getSubscriptionType();
          if (!root) {
            throw new GraphQLError(
              `This graph serves queries and mutations only; ${operation.operation} operations are not served`,
              { extensions: { code: "BAD_REQUEST", http: { status: 400 } } },
            );
          }
          const requested = operationCost(document, operation, request.variables ?? {}, schema);
          cost = { requestedQueryCost: requested, maximumAvailable: limits.maxCost };
          if (requested > limits.maxCost) {
            throw new GraphQLError(
              `This operation costs ${requested}, over the limit of ${limits.maxCost}: ask for fewer items (first/last) or fewer fields`,
              { extensions: { code: "BAD_USER_INPUT", cost, http: { status: 400 } } },
            );
          }
        },
        async willSendResponse({ response }) {
          if (!cost || response.body.kind !== "single") return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, cost };
        },
      };
    },
  };
}

/** Apollo's own refusal names an ApolloServer option; this one names the gateway's variable. */
export const noIntrospection: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === "__schema" || node.name.value === "__type") {
      context.reportError(
        new GraphQLError(
          "GraphQL introspection is not allowed on this gateway: it is off unless GATEWAY_INTROSPECTION=true (as under `npm start`)",
          { nodes: [node] },
        ),
      );
    }
  },
});
