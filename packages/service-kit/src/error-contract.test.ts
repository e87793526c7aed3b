import { describe, expect, test } from "@jest/globals";
import { z } from "zod";
import { ErrorCode, badUserInput, conflict, invalidInput, planLimit } from "@support/errors";
import { pageSize } from "@support/validation";

const issuesOf = (schema: z.ZodType, value: unknown) => {
  const parsed = schema.safeParse(value);
  if (parsed.success) throw new Error("expected a failure");
  return parsed.error.issues;
};

describe("one shape for every BAD_USER_INPUT", () => {
  test("a single bad argument: extensions.field its path, problems one { field, message } without the prefix", () => {
    const error = badUserInput("after: not a cursor returned by users", "after");
    expect(error.extensions).toEqual({
      code: ErrorCode.BAD_USER_INPUT,
      field: "after",
      problems: [{ field: "after", message: "not a cursor returned by users" }],
    });
    expect(error.message).toBe("after: not a cursor returned by users");
  });

  test("validation issues under an argument: every problem named by the client's path, the first as field", () => {
    const schema = z.object({ email: z.string().email(), password: z.string().min(8) });
    const error = invalidInput(issuesOf(schema, { email: "nope", password: "x" }), ["input"]);
    expect(error.extensions).toEqual({
      code: ErrorCode.BAD_USER_INPUT,
      field: "input.email",
      problems: [
        { field: "input.email", message: "must be an email address" },
        { field: "input.password", message: "must be at least 8 characters" },
      ],
    });
    expect(error.message).toBe(
      "Invalid input: input.email: must be an email address; input.password: must be at least 8 characters",
    );
  });

  test("zod's own words read as the services' (one phrasing for the page limit and the like)", () => {
    const schema = z.object({
      first: z.number().int().min(1).max(100),
      list: z.array(z.string()).max(2),
      id: z.string().uuid(),
      kind: z.enum(["A", "B"]),
      required: z.string(),
      whole: z.number().int(),
      name: z.string().min(1),
    });
    const error = invalidInput(
      issuesOf(schema, { first: 101, list: ["a", "b", "c"], id: "x", kind: "C", whole: 1.5, name: "" }),
    );
    expect(error.extensions.problems).toEqual([
      { field: "first", message: "must be at most 100" },
      { field: "list", message: "must have at most 2 items" },
      { field: "id", message: "must be an id" },
      { field: "kind", message: "must be one of A, B" },
      { field: "required", message: "is required" },
      { field: "whole", message: "must be a whole number" },
      { field: "name", message: "must not be empty" },
    ]);
  });

  test("every page size says the same", () => {
    const schema = z.object({ first: pageSize() });
    for (const [first, message] of [
      [101, "must be at most 100"],
      [0, "must be at least 1"],
      [2.5, "must be a whole number"],
    ] as const) {
      expect(invalidInput(issuesOf(schema, { first })).extensions.problems).toEqual([{ field: "first", message }]);
    }
  });

  test("a schema's own message is kept", () => {
    const schema = z.object({ first: z.number().max(100, "must be at most 100 tickets") });
    expect(invalidInput(issuesOf(schema, { first: 500 })).extensions.problems).toEqual([
      { field: "first", message: "must be at most 100 tickets" },
    ]);
  });
});

describe("the same code for the same situation", () => {
  test("a duplicate is CONFLICT naming the argument; a shortage PLAN_LIMIT", () => {
    expect(conflict('A workspace named "A" already exists', "input.name").extensions).toEqual({
      code: ErrorCode.CONFLICT,
      field: "input.name",
    });
    expect(planLimit("Cannot set 1 seats", "seats").extensions).toEqual({ code: ErrorCode.PLAN_LIMIT, field: "seats" });
  });
});
