import { GraphQLScalarType, valueFromASTUntyped } from "graphql";

/**
 * `FieldChange.old` and `new`: any JSON value, passed through as it is (no string encoding).
 * Input literals are accepted as their JSON value too, though no argument takes one today.
 */
export const JSONScalar = new GraphQLScalarType({
  name: "JSON",
  description: "Any JSON value: a string, number, boolean, null, list or object.",
  serialize: (value: unknown) => value,
  parseValue: (value: unknown) => value,
  parseLiteral: (ast) => valueFromASTUntyped(ast),
});
