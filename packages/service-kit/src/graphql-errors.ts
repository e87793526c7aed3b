import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { AppError, withVariableProblem } from "@support/errors";
import type { Logger } from "@support/logger";
import { isDatabaseUnavailable } from "./unavailable.js";

/** Codes GraphQL itself produces for malformed operations; they are safe to show. */
const GRAPHQL_CODES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "BAD_REQUEST",
  "PERSISTED_QUERY_NOT_FOUND",
]);

/**
 * The one error formatting of every subgraph: AppErrors and GraphQL's own validation errors
 * pass through with their code; a database that cannot be reached is SERVICE_UNAVAILABLE (the
 * client may retry; nothing was committed); anything else is logged and shown as an internal
 * error, so a database message or stack never reaches a client.
 */
export function formatGraphQLError(
  formatted: GraphQLFormattedError,
  error: unknown,
  logger: Logger,
): GraphQLFormattedError {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  if (original instanceof AppError) {
    // An unavailable dependency, with what it was kept for the operators.
    if (original.cause) logger.warn({ err: original.cause }, original.message);
    return { message: original.message, path: formatted.path, extensions: { ...original.extensions } };
  }
  if (isDatabaseUnavailable(original)) {
    logger.warn({ err: original }, "database unavailable");
    return {
      message: "The service cannot reach its database; try again",
      path: formatted.path,
      extensions: { code: "SERVICE_UNAVAILABLE" },
    };
  }
  const code = formatted.extensions?.code;
  if (typeof code === "string" && GRAPHQL_CODES.has(code)) return withVariableProblem(formatted);
  if (original instanceof GraphQLError && !original.originalError && original.extensions?.code === undefined) {
    // GraphQL's own errors (unknown field, bad variable type) carry no original error.
    return withVariableProblem({ ...formatted, extensions: { ...formatted.extensions, code: "BAD_USER_INPUT" } });
  }
  logger.error({ err: original }, "unexpected error in resolver");
  return { message: "Internal server error", path: formatted.path, extensions: { code: "INTERNAL_SERVER_ERROR" } };
}
