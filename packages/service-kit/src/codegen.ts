import type { CodegenConfig } from "@graphql-codegen/cli";

/**
 * GraphQL Code Generator's configuration for one subgraph (each service's `codegen.ts`, run by its
 * `generate` script after Prisma's): resolver and argument types from the service's SDL, written
 * to `src/generated/graphql.ts` (not checked in, as Prisma's client). Applied to the resolver map
 * (`const resolvers: Resolvers = …`), they make an SDL change the resolvers no longer fit a type
 * error. Paths in `context` and `mappers` are relative to the generated file.
 */
export function subgraphCodegen(options: {
  /** The subgraph's SDL, relative to the service's folder. */
  schema: string;
  /** `module#Type` of the context resolvers receive. */
  context: string;
  /** GraphQL type → `module#Type` of what its resolvers return and its fields receive as parent. */
  mappers?: Record<string, string>;
  /** Scalars besides the graph's own (`JSON`), as `{ input, output }` TypeScript types. */
  scalars?: Record<string, { input: string; output: string }>;
  /**
   * What a type without a mapper resolves to. Leave unset so each resolver's return is checked
   * against the GraphQL type; `"unknown"` turns that check off (kept only while a service still
   * returns shapes that differ from its SDL without naming them in `mappers`).
   */
  defaultMapper?: string;
}): CodegenConfig {
  return {
    schema: options.schema,
    generates: {
      "src/generated/graphql.ts": {
        plugins: ["typescript", "typescript-resolvers"],
        config: {
          federation: true,
          useTypeImports: true,
          // String unions, not TypeScript enums: Prisma's enums are strings of the same values.
          enumsAsTypes: true,
          contextType: options.context,
          mappers: options.mappers ?? {},
          // `Ticket` is both the GraphQL type and Prisma's row: the row is imported as `TicketModel`.
          mapperTypeSuffix: "Model",
          ...(options.defaultMapper ? { defaultMapper: options.defaultMapper } : {}),
          strictScalars: true,
          // packages/service-kit/src/scalars.ts hands resolvers strings; they may answer a Date.
          scalars: {
            DateTime: { input: "string", output: "Date | string" },
            URL: { input: "string", output: "string" },
            LocalDate: { input: "string", output: "string" },
            // federation's own, declared by codegen's `federation: true`: `@key(fields: …)`
            _FieldSet: { input: "string", output: "string" },
            ...options.scalars,
          },
        },
      },
    },
  };
}
