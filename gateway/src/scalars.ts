import { isScalarType, type GraphQLSchema } from "graphql";
import { GRAPH_SCALARS } from "@support/service-kit";

/**
 * The API schema the gateway builds from the supergraph knows the graph's scalars (`DateTime`,
 * `URL`, `LocalDate`) by name only, and would let any value through: a malformed one then reached
 * the subgraph, whose refusal (an HTTP 400) the gateway can only answer as SERVICE_UNAVAILABLE.
 * Checked here with the subgraphs' own implementations, a malformed argument or variable is
 * refused before anything runs, as any other of the wrong type is: BAD_USER_INPUT (HTTP 400) for a
 * variable, GRAPHQL_VALIDATION_FAILED for a literal, the message naming the argument. Answers are
 * left as the subgraphs wrote them (already canonical).
 */
export function checkGraphScalars(schema: GraphQLSchema): void {
  for (const [name, implementation] of Object.entries(GRAPH_SCALARS)) {
    const type = schema.getType(name);
    if (!isScalarType(type)) continue;
    type.parseValue = implementation.parseValue;
    type.parseLiteral = implementation.parseLiteral;
  }
}
