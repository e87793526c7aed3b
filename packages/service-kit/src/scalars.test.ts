import { describe, expect, test } from "@jest/globals";
import { GraphQLError, buildSchema, graphql, parse } from "graphql";
import { DateTime, LocalDate, URL, scalarResolversFor } from "./scalars.js";

describe("the graph's scalars", () => {
  test("resolvers get canonical strings; answers print as ISO 8601 UTC", () => {
    expect(DateTime.parseValue("2026-12-03T15:02:11+01:00")).toBe("2026-12-03T14:02:11.000Z");
    expect(DateTime.serialize(new Date("2026-12-03T14:02:11.123Z"))).toBe("2026-12-03T14:02:11.123Z");
    expect(URL.parseValue("https://app.example.com/billing?x=1")).toBe("https://app.example.com/billing?x=1");
    expect(LocalDate.parseValue("2026-02-03")).toBe("2026-02-03");
    expect(URL.serialize("https://app.example.com/x")).toBe("https://app.example.com/x");
    expect(DateTime.serialize("2026-12-03T14:02:11Z")).toBe("2026-12-03T14:02:11.000Z");
    expect(LocalDate.serialize("2026-02-03")).toBe("2026-02-03");
  });

  test("malformed values are refused", () => {
    expect(() => DateTime.parseValue("yesterday")).toThrow();
    expect(() => DateTime.parseValue("2026-12-03")).toThrow();
    expect(() => URL.parseValue("not a url")).toThrow();
    // As a GraphQLError, so that a subgraph answers BAD_USER_INPUT, not an unexpected error.
    expect(() => URL.parseValue("not a url")).toThrow(GraphQLError);
    expect(() => DateTime.parseValue("yesterday")).toThrow(GraphQLError);
    expect(() => LocalDate.parseValue("2026-02-30")).toThrow();
  });

  test("a schema gets the scalars it declares, and literals are parsed too", async () => {
    const sdl = "scalar DateTime scalar URL type Query { echo(at: DateTime!, link: URL): String }";
    expect(Object.keys(scalarResolversFor(sdl)).sort()).toEqual(["DateTime", "URL"]);
    expect(Object.keys(scalarResolversFor(parse("scalar LocalDate type Query { a: Int }")))).toEqual(["LocalDate"]);
    const schema = buildSchema(sdl);
    Object.assign(schema.getType("DateTime")!, scalarResolversFor(sdl).DateTime);
    const answer = await graphql({
      schema,
      source: '{ echo(at: "2026-12-03T15:00:00+01:00") }',
      rootValue: { echo: ({ at }: { at: string }) => at },
    });
    expect(answer).toEqual({ data: { echo: "2026-12-03T14:00:00.000Z" } });
  });
});
