import { describe, expect, test } from "@jest/globals";
import { parse, validate, buildSchema } from "graphql";
import { mergeEntityFetches, splitEntityAnswer } from "./entity-fetch-batch.js";

/** The ticket page's two identity fetches, as the query planner writes them (gateway/supergraph.graphql). */
const ASSIGNEES =
  "query TicketPage__identity__1($representations:[_Any!]!){_entities(representations:$representations){...on User{firstName lastName}}}";
const CREATORS =
  "query TicketPage__identity__3($representations:[_Any!]!){_entities(representations:$representations){...on User{firstName}}}";
const ann = { __typename: "User", id: "u-ann" };
const bob = { __typename: "User", id: "u-bob" };

/** Enough of a subgraph's schema to check that a merged operation is valid GraphQL. */
const SUBGRAPH = buildSchema(`
  scalar _Any
  type User { id: ID! firstName: String lastName: String avatar(size: Int): String }
  union _Entity = User
  type Query { _entities(representations: [_Any!]!): [_Entity]! }
`);

describe("entity fetches of one request to one subgraph go as one operation", () => {
  test("each fetch's _entities becomes an aliased root field with its own variables", () => {
    const merged = mergeEntityFetches([
      { query: ASSIGNEES, variables: { representations: [ann, bob] }, operationName: "TicketPage__identity__1" },
      { query: CREATORS, variables: { representations: [bob] }, operationName: "TicketPage__identity__3" },
    ])!;
    expect(merged.operationName).toBe("TicketPage__identity__1");
    expect(merged.variables).toEqual({ representations_0: [ann, bob], representations_1: [bob] });
    const document = parse(merged.query);
    expect(validate(SUBGRAPH, document)).toEqual([]);
    expect(merged.query).toContain("_entities_0: _entities(representations: $representations_0)");
    expect(merged.query).toContain("_entities_1: _entities(representations: $representations_1)");
  });

  test("fragments and other variables are renamed apart, so equal names cannot collide", () => {
    const withFragment = (field: string) =>
      `query($representations:[_Any!]!,$size:Int){_entities(representations:$representations){...F}} fragment F on User{${field} avatar(size:$size)}`;
    const merged = mergeEntityFetches([
      { query: withFragment("firstName"), variables: { representations: [ann], size: 32 } },
      { query: withFragment("lastName"), variables: { representations: [bob], size: 64 } },
    ])!;
    expect(validate(SUBGRAPH, parse(merged.query))).toEqual([]);
    expect(merged.variables).toEqual({ representations_0: [ann], size_0: 32, representations_1: [bob], size_1: 64 });
    expect(merged.query).toContain("fragment F_0 on User");
    expect(merged.query).toContain("fragment F_1 on User");
  });

  test("anything but a plain query of _entities alone is not merged", () => {
    const other = (query: string) =>
      mergeEntityFetches([
        { query: ASSIGNEES, variables: { representations: [ann] } },
        { query, variables: { representations: [bob] } },
      ]);
    expect(
      other("query($representations:[_Any!]!){_entities(representations:$representations){...on User{id}} me{id}}"),
    ).toBeNull();
    expect(
      other("mutation($representations:[_Any!]!){_entities(representations:$representations){...on User{id}}}"),
    ).toBeNull();
    expect(
      other("query($representations:[_Any!]!){e:_entities(representations:$representations){...on User{id}}}"),
    ).toBeNull();
    expect(
      other("query($representations:[_Any!]!)@x{_entities(representations:$representations){...on User{id}}}"),
    ).toBeNull();
    expect(other("query{")).toBeNull();
  });

  test("the answer is split into what each fetch would have got alone, errors at their own paths", () => {
    const notFound = { message: "Not found", path: ["_entities_1", 0, "firstName"], extensions: { code: "NOT_FOUND" } };
    const general = { message: "Too busy" };
    const answer = {
      data: {
        _entities_0: [
          { firstName: "Ann", lastName: "A" },
          { firstName: "Bob", lastName: "B" },
        ],
        _entities_1: [null],
      },
      errors: [notFound, general],
    };
    expect(splitEntityAnswer(answer, 2)).toEqual([
      {
        data: {
          _entities: [
            { firstName: "Ann", lastName: "A" },
            { firstName: "Bob", lastName: "B" },
          ],
        },
        errors: [general],
      },
      {
        data: { _entities: [null] },
        errors: [{ ...notFound, path: ["_entities", 0, "firstName"] }, general],
      },
    ]);
  });

  test("a null answer is null for every fetch; an alias nobody asked for routes nowhere but everywhere", () => {
    const refused = { message: "Unauthenticated", extensions: { code: "UNAUTHENTICATED" } };
    expect(splitEntityAnswer({ data: null, errors: [refused] }, 2)).toEqual([
      { data: null, errors: [refused] },
      { data: null, errors: [refused] },
    ]);
    const stray = { message: "x", path: ["_entities_7", 0] };
    expect(splitEntityAnswer({ data: {}, errors: [stray] }, 2)).toEqual([
      { data: {}, errors: [stray] },
      { data: {}, errors: [stray] },
    ]);
  });
});
