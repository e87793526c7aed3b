import { GraphQLError, type GraphQLFormattedError } from "graphql";

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

/**
 * One thing wrong with the input: `field` is the argument's path as the client wrote it
 * (`input.email`, `first`, `mapping.fields.0.column`), `row` and `column` place it in a file.
 */
export interface Problem {
  field: string;
  message: string;
  /** 1-based data row of a file (0: its header or the mapping); files only. */
  row?: number;
  /** The file's column, by its header; files only. */
  column?: string;
}

/**
 * The one shape of every BAD_USER_INPUT: `extensions.field` names the (first) argument at fault,
 * `extensions.problems` lists every problem as `{ field, message, row?, column? }`.
 */
export function invalidArguments(
  message: string,
  problems: readonly [Problem, ...Problem[]],
  extensions: ErrorExtensions = {},
): AppError {
  return new AppError(ErrorCode.BAD_USER_INPUT, message, { ...extensions, field: problems[0].field, problems });
}

/** `field: problem` → `problem`: the problem list names the field already. */
function withoutFieldPrefix(message: string, field: string): string {
  const last = field.split(".").at(-1) ?? field;
  for (const prefix of [`${field}: `, `${last}: `]) if (message.startsWith(prefix)) return message.slice(prefix.length);
  return message;
}

/** A bad argument: `field` is its path, e.g. `input.name` or `after`; `extensions` adds e.g. a `reason`. */
export const badUserInput = (message: string, field: string, extensions: ErrorExtensions = {}) =>
  invalidArguments(message, [{ field, message: withoutFieldPrefix(message, field) }], extensions);

/** A duplicate (or a state that forbids the change); `field` names the argument that collides. */
export const conflict = (message: string, field?: string) =>
  new AppError(ErrorCode.CONFLICT, message, field === undefined ? {} : { field });

export const rateLimited = (retryAfterSeconds: number, message = "Too many requests") =>
  new AppError(ErrorCode.RATE_LIMITED, `${message}; retry in ${retryAfterSeconds}s`, {
    retryAfterSeconds,
  });

export const serviceUnavailable = (message: string) => new AppError(ErrorCode.SERVICE_UNAVAILABLE, message);

/** A shortage of seats or of plan allowance; `field` names the argument asking for too much, if one does. */
export const planLimit = (message: string, field?: string) =>
  new AppError(ErrorCode.PLAN_LIMIT, message, field === undefined ? {} : { field });

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** What a validation library says of one problem (zod's issues have these members). */
export interface ValidationIssue {
  path: ReadonlyArray<PropertyKey>;
  message: string;
  code?: string;
  origin?: string;
  maximum?: number | bigint;
  minimum?: number | bigint;
  inclusive?: boolean;
  expected?: string;
  format?: string;
  values?: readonly unknown[];
}

const FORMATS: Record<string, string> = {
  uuid: "must be an id",
  guid: "must be an id",
  email: "must be an email address",
  url: "must be a URL",
  datetime: "must be an ISO-8601 date and time",
  date: "must be a date (YYYY-MM-DD)",
};

/**
 * One phrasing for the same problem in every service: zod's own messages ("Too big: expected
 * number to be <=100") read as the services' ("must be at most 100"). Messages a schema wrote
 * itself are kept.
 */
export function problemMessage(issue: ValidationIssue): string {
  const own =
    !/^(Too big|Too small|Invalid input|Invalid option|Invalid (UUID|GUID|email|URL|string|ISO)|Expected)/i.test(
      issue.message,
    );
  if (own) return issue.message;
  const unit = issue.origin === "string" ? " characters" : "";
  const items = issue.origin === "array" || issue.origin === "set";
  switch (issue.code) {
    case "too_big":
      if (issue.maximum === undefined) break;
      if (items) return `must have at most ${issue.maximum} items`;
      return issue.inclusive === false
        ? `must be less than ${issue.maximum}${unit}`
        : `must be at most ${issue.maximum}${unit}`;
    case "too_small":
      if (issue.minimum === undefined) break;
      if (issue.origin === "string" && Number(issue.minimum) === 1) return "must not be empty";
      if (items) return `must have at least ${issue.minimum} item${Number(issue.minimum) === 1 ? "" : "s"}`;
      return issue.inclusive === false
        ? `must be more than ${issue.minimum}${unit}`
        : `must be at least ${issue.minimum}${unit}`;
    case "invalid_type":
      if (/received undefined/.test(issue.message)) return "is required";
      if (issue.expected === "int") return "must be a whole number";
      return issue.expected
        ? `must be ${/^[aeiou]/.test(issue.expected) ? "an" : "a"} ${issue.expected}`
        : issue.message;
    case "invalid_format":
      return (issue.format && FORMATS[issue.format]) ?? `must be a valid ${issue.format ?? "value"}`;
    case "invalid_value":
      if (issue.values?.length) return `must be one of ${issue.values.map(String).join(", ")}`;
      break;
  }
  return issue.message;
}

/**
 * Maps a failed input validation (zod issues or similar) to one BAD_USER_INPUT naming every problem.
 * `at` is where the validated value sits among the field's arguments (`["input"]` for a schema of
 * `args.input`), so each problem's `field` is the path the client wrote (`input.email`).
 */
export function invalidInput(issues: ReadonlyArray<ValidationIssue>, at: ReadonlyArray<PropertyKey> = []): AppError {
  const problems = issues.map((issue) => ({
    field: [...at, ...issue.path].map(String).join("."),
    message: problemMessage(issue),
  }));
  const [first, ...rest] = problems;
  if (!first) return badUserInput("Invalid input", "");
  const text = problems.map((problem) => (problem.field ? `${problem.field}: ${problem.message}` : problem.message));
  return invalidArguments(`Invalid input: ${text.join("; ")}`, [first, ...rest]);
}

/** GraphQL's own words for a value of the wrong type, in the services' phrasing. */
const COERCION_MESSAGES: ReadonlyArray<[RegExp, string]> = [
  [/^Int cannot represent/, "must be a whole number"],
  [/^Float cannot represent/, "must be a number"],
  [/^String cannot represent/, "must be a string"],
  [/^Boolean cannot represent/, "must be true or false"],
  [/^ID cannot represent/, "must be an id"],
  [/^DateTime cannot represent/, FORMATS.datetime!],
  [/URL/, FORMATS.url!],
  [/LocalDate/, FORMATS.date!],
  [/^Expected type "[^"]+" to be an object/, "must be an object"],
];

/**
 * The problem of a variable GraphQL refused before any resolver ran (a value of the wrong type,
 * a required one missing, an unknown input field), as the error contract's `{ field, message }`:
 * `field` is the path in the variables as the client sent them (`$first`, `$input.email`,
 * `$input.tags.1`). Null for any other message.
 */
export function variableProblem(message: string): Problem | null {
  const missing = /^Variable "\$(\w+)" of required type "[^"]+" was not provided\.$/.exec(message);
  if (missing) return { field: `$${missing[1]}`, message: "is required" };
  const invalid = /^Variable "\$(\w+)" got invalid value .*?(?: at "([^"]+)")?; (.*)$/s.exec(message);
  if (!invalid) return null;
  const [, variable, at, reason = ""] = invalid;
  const path = (at ?? variable ?? "").replace(/\[(\d+)\]/g, ".$1");
  const field = `$${path}`;
  const missingField = /^Field "(\w+)" of required type "[^"]+" was not provided\.$/.exec(reason);
  if (missingField) return { field: `${field}.${missingField[1]}`, message: "is required" };
  const unknownField = /^Field "(\w+)" is not defined by type "[^"]+"/.exec(reason);
  if (unknownField) return { field: `${field}.${unknownField[1]}`, message: "is not a field of this input" };
  const known = COERCION_MESSAGES.find(([pattern]) => pattern.test(reason));
  return { field, message: known ? known[1] : reason };
}

/**
 * GraphQL's refusal of a variable with the error contract's `extensions.field` and `problems`
 * added (it has neither: graphql-js words the problem in its message only); other errors as they are.
 */
export function withVariableProblem(formatted: GraphQLFormattedError): GraphQLFormattedError {
  if (formatted.extensions?.code !== ErrorCode.BAD_USER_INPUT || formatted.extensions.field !== undefined) {
    return formatted;
  }
  const problem = variableProblem(formatted.message);
  if (!problem) return formatted;
  return { ...formatted, extensions: { ...formatted.extensions, field: problem.field, problems: [problem] } };
}
