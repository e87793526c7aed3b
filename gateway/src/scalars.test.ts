import { describe, expect, test } from "@jest/globals";
import { buildSchema, parse, validate } from "graphql";
import { getVariableValues } from "graphql/execution/values.js";
import { checkGraphScalars } from "./scalars.js";

const schema = buildSchema(`
  scalar DateTime
  scalar URL
  scalar LocalDate
  input Filter { from: DateTime }
  type Query { things(filter: Filter, on: LocalDate, link: URL): Int }
`);
checkGraphScalars(schema);

const variablesOf = (values: Record<string, unknown>) => {
  const operation = parse(`query($f: Filter, $d: LocalDate, $u: URL) { things(filter: $f, on: $d, link: $u) }`)
    .definitions[0];
  if (operation?.kind !== "OperationDefinition") throw new Error("no operation");
  return getVariableValues(schema, operation.variableDefinitions ?? [], values);
};

describe("the gateway checks the graph's scalars itself", () => {
  test("well-formed values pass", () => {
    expect(
      variablesOf({ f: { from: "2026-12-03T15:02:11+01:00" }, d: "2026-12-31", u: "https://app.example.com/x" }).errors,
    ).toBeUndefined();
  });

  test.each([
    [{ f: { from: "yesterday" } }, "f.from"],
    [{ f: { from: "2024-02-30T00:00:00Z" } }, "f.from"],
    [{ d: "2023-02-29" }, "$d"],
    [{ u: "not a url" }, "$u"],
  ])("a malformed variable %p is refused naming it", (values, where) => {
    const { errors } = variablesOf(values);
    expect(errors?.[0]?.message).toContain(where);
  });

  test("a malformed literal fails validation", () => {
    const errors = validate(schema, parse(`{ things(filter: { from: "yesterday" }) }`));
    expect(errors.map((error) => error.message).join()).toContain("DateTime");
  });
});
