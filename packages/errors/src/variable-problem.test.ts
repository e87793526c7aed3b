import { describe, expect, test } from "@jest/globals";
import { buildSchema, graphql } from "graphql";
import { variableProblem } from "./index.js";

const schema = buildSchema(`
  input Filter { email: String! tags: [Int!] }
  type Query { a(n: Int, f: Filter, on: Boolean): Int }
`);

/** graphql-js's own refusal of these variables, read back as the error contract's problem. */
async function problemOf(source: string, variables: Record<string, unknown>) {
  const answer = await graphql({ schema, source, variableValues: variables });
  return variableProblem(answer.errors?.[0]?.message ?? "");
}

describe("variableProblem", () => {
  test("names the variable, or the path inside it, in the services' words", async () => {
    expect(await problemOf("query ($n: Int) { a(n: $n) }", { n: "ten" })).toEqual({
      field: "$n",
      message: "must be a whole number",
    });
    expect(await problemOf("query ($f: Filter) { a(f: $f) }", { f: { email: "x", tags: [1, "b"] } })).toEqual({
      field: "$f.tags.1",
      message: "must be a whole number",
    });
    expect(await problemOf("query ($f: Filter) { a(f: $f) }", { f: {} })).toEqual({
      field: "$f.email",
      message: "is required",
    });
    expect(await problemOf("query ($f: Filter) { a(f: $f) }", { f: { email: "x", zz: 1 } })).toEqual({
      field: "$f.zz",
      message: "is not a field of this input",
    });
    expect(await problemOf("query ($n: Int!) { a(n: $n) }", {})).toEqual({ field: "$n", message: "is required" });
    expect(await problemOf("query ($on: Boolean) { a(on: $on) }", { on: "yes" })).toEqual({
      field: "$on",
      message: "must be true or false",
    });
  });

  test("any other message is not a variable's problem", () => {
    expect(variableProblem('Cannot query field "x" on type "Query".')).toBeNull();
  });
});
