import { describe, expect, test } from "@jest/globals";
import { dedupeRepresentations, spreadEntities } from "./entity-representations.js";

const ann = { __typename: "User", id: "u-ann" };
/** What the query planner sends for an entity fetch (gateway/supergraph.graphql's ticket page). */
const USERS = "query($representations:[_Any!]!){_entities(representations:$representations){...on User{firstName}}}";
const dedupe = (representations: unknown) => dedupeRepresentations(USERS, { representations });
const bob = { __typename: "User", id: "u-bob" };

describe("one _entities fetch asks for each entity once", () => {
  test("repeated representations are sent once, in first-seen order", () => {
    expect(dedupe([ann, bob, { ...ann }, ann])).toEqual({ unique: [ann, bob], sourceOf: [0, 1, 0, 0] });
  });

  test("nothing to merge: all distinct, one, none, or not a list", () => {
    expect(dedupe([ann, bob])).toBeNull();
    expect(dedupe([ann])).toBeNull();
    expect(dedupeRepresentations(USERS, undefined)).toBeNull();
    expect(dedupe("representations")).toBeNull();
  });

  test("a root fetch is sent as it came, even with a client's own variable named representations", () => {
    const root = "query($representations:[ID!]){labels(ids:$representations){name}}";
    expect(dedupeRepresentations(root, { representations: ["a", "a", "b"] })).toBeNull();
    const named =
      "query TicketPage__identity__1($representations:[_Any!]!){_entities(representations:$representations){...on User{id}}}";
    expect(dedupeRepresentations(named, { representations: [ann, ann] })).toEqual({ unique: [ann], sourceOf: [0, 0] });
  });

  test("the answer reaches every place, each with its own copy", () => {
    const deduped = dedupe([ann, bob, ann, ann])!;
    const answer = { data: { _entities: [{ firstName: "Ann", team: { name: "Red" } }, { firstName: "Bob" }] } };
    const spread = spreadEntities(answer, deduped) as { data: { _entities: Array<Record<string, unknown>> } };
    expect(spread.data._entities).toEqual([
      { firstName: "Ann", team: { name: "Red" } },
      { firstName: "Bob" },
      { firstName: "Ann", team: { name: "Red" } },
      { firstName: "Ann", team: { name: "Red" } },
    ]);
    // Merged into different places of the response later: no two places may share an object.
    expect(spread.data._entities[2]).not.toBe(spread.data._entities[0]);
    expect(spread.data._entities[2]!.team).not.toBe(spread.data._entities[3]!.team);
  });

  test("a __proto__ key in an answer stays a plain field of every copy", () => {
    const deduped = dedupe([ann, ann])!;
    const hostile = JSON.parse('{"data":{"_entities":[{"firstName":"Ann","__proto__":{"polluted":true}}]}}') as object;
    const spread = spreadEntities(hostile, deduped) as { data: { _entities: Array<Record<string, unknown>> } };
    const copy = spread.data._entities[1]!;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(["firstName", "__proto__"]);
    expect((copy as { polluted?: boolean }).polluted).toBeUndefined();
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  test("an entity's error is reported at every place it applies to; other errors pass as they came", () => {
    const deduped = dedupe([bob, ann, ann])!;
    const notFound = { message: "Not found", path: ["_entities", 1, "firstName"], extensions: { code: "NOT_FOUND" } };
    const general = { message: "Something else" };
    const spread = spreadEntities(
      { data: { _entities: [{ firstName: "Bob" }, null] }, errors: [notFound, general] },
      deduped,
    );
    expect(spread).toEqual({
      data: { _entities: [{ firstName: "Bob" }, null, null] },
      errors: [
        { ...notFound, path: ["_entities", 1, "firstName"] },
        { ...notFound, path: ["_entities", 2, "firstName"] },
        general,
      ],
    });
  });

  test("an answer of another shape is left for the executor to report", () => {
    const deduped = dedupe([ann, ann])!;
    const short = { data: { _entities: [] } };
    const none = { data: null, errors: [{ message: "boom" }] };
    expect(spreadEntities(short, deduped)).toBe(short);
    expect(spreadEntities(none, deduped)).toBe(none);
  });
});
