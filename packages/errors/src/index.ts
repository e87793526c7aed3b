import { GraphQLError } from "graphql";

/** The error codes of SPEC.md section 9; clients switch on `extensions.code`. */
export const ErrorCode = {
  UNAUTHENTICATED: "UNAUTHENTICATED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  BAD_USER_INPUT: "BAD_USER_INPUT",
  CONFLICT: "CONFLICT",
  RATE_LIMITED: "RATE_LIMITED",
  PLAN_LIMIT: "PLAN_LIMIT",
  /**
   * Not a client mistake but an outage of something the service depends on (docs/adr/0005's
   * addendum): nothing was changed, and the client may retry.
   */
  SERVICE_UNAVAILABLE: "SERVICE_UNAVAILABLE",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export type ErrorExtensions = Record<string, unknown>;

/** The one way every service raises a client-facing error. */
export class AppError extends GraphQLError {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, extensions: ErrorExtensions = {}) {
    super(message, { extensions: { ...extensions, code } });
    this.code = code;
  }
}

export const unauthenticated = (message = "Authentication required") =>
  new AppError(ErrorCode.UNAUTHENTICATED, message);

export const forbidden = (message = "You do not have permission to do this") =>
  new AppError(ErrorCode.FORBIDDEN, message);

/** Used both for objects that do not exist and for objects of another tenant: the answers must not differ. */
export const notFound = (type: string) => new AppError(ErrorCode.NOT_FOUND, `${type} not found`);

export const badUserInput = (message: string, field?: string) =>
  new AppError(ErrorCode.BAD_USER_INPUT, message, field === undefined ? {} : { field });

export const conflict = (message: string) => new AppError(ErrorCode.CONFLICT, message);

export const rateLimited = (retryAfterSeconds: number, message = "Too many requests") =>
  new AppError(ErrorCode.RATE_LIMITED, `${message}; retry in ${retryAfterSeconds}s`, {
    retryAfterSeconds,
  });

export const serviceUnavailable = (message: string) => new AppError(ErrorCode.SERVICE_UNAVAILABLE, message);

export const planLimit = (message: string) => new AppError(ErrorCode.PLAN_LIMIT, message);

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** Maps a failed input validation (zod issues or similar) to one BAD_USER_INPUT naming every problem. */
export function invalidInput(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): AppError {
  const problems = issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  return new AppError(ErrorCode.BAD_USER_INPUT, `Invalid input: ${problems.join("; ")}`, {
    problems,
  });
}
