import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "@jest/globals";
import { CriticalityLevel } from "@graphql-inspector/core";
import { type SubgraphSource, apiSchemaOf, composeSubgraphs } from "./compose.js";
import { OperationFinder, validateOperations } from "./operations.js";
import { ANNOUNCEMENTS_FILE, type SchemaCheckInput, checkSchema } from "./schema-check.js";
import { apiSchemaFromSupergraph, parseAnnouncements, schemaChanges, subgraphSchema } from "./schema-changes.js";

/** A small graph of two subgraphs: alpha owns `Thing` and its name and colour, beta its price and `search`. */
const ALPHA = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query {
    thing(id: ID!): Thing
    things(first: Int): [Thing!]!
  }
  type Thing @key(fields: "id") {
    id: ID!
    name: String
    colour: String
  }
`;
const BETA = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query {
    search(text: String): [Thing!]!
  }
  type Thing @key(fields: "id") {
    id: ID!
    price: Int
  }
`;

const graph = (alpha: string, beta: string = BETA): SubgraphSource[] => [
  { name: "alpha", url: "http://127.0.0.1:1/graphql", sdl: alpha },
  { name: "beta", url: "http://127.0.0.1:2/graphql", sdl: beta },
];
const BASE = composeSubgraphs(graph(ALPHA));
const WITHOUT_COLOUR = ALPHA.replace("colour: String", "");
const FIXTURES = fileURLToPath(new URL(".", import.meta.url));
const NO_ANNOUNCEMENTS = JSON.stringify({ breakingChanges: [] });

/** The check as `npm run schema:check` runs it, on the small graph and on the fixture operations. */
function input(subgraphs: SubgraphSource[], overrides: Partial<SchemaCheckInput> = {}): SchemaCheckInput {
  const composed = () => {
    const supergraph = composeSubgraphs(subgraphs);
    return { supergraph, apiSchema: apiSchemaOf(supergraph) };
  };
  return {
    subgraphs,
    base: { supergraph: BASE, label: "the base" },
    checkedIn: "checkedIn" in overrides ? overrides.checkedIn : composed(),
    announcements: NO_ANNOUNCEMENTS,
    root: FIXTURES,
    operationFolders: [],
    today: new Date("2026-12-04T12:00:00Z"),
    ...overrides,
  };
}

describe("schema changes", () => {
  test("a removed field is breaking, from the subgraph that defined it, and fails the check unless announced", async () => {
    const changes = await schemaChanges(BASE, composeSubgraphs(graph(WITHOUT_COLOUR)), graph(WITHOUT_COLOUR));
    expect(changes).toEqual([
      expect.objectContaining({
        level: CriticalityLevel.Breaking,
        type: "FIELD_REMOVED",
        coordinate: "Thing.colour",
        subgraphs: ["alpha"],
      }),
    ]);

    const unannounced = await checkSchema(input(graph(WITHOUT_COLOUR)));
    expect(unannounced.passed).toBe(false);
    expect(unannounced.unannounced.map((c) => c.coordinate)).toEqual(["Thing.colour"]);
    const text = unannounced.lines.join("\n");
    expect(text).toContain("alpha: 1 breaking, 0 dangerous, 0 safe");
    expect(text).toMatch(/✗ BREAKING +Thing\.colour FIELD_REMOVED/);
    expect(text).toContain("1 breaking change not announced");
    // The entry to paste, ready but for the reason.
    expect(text).toContain('{"coordinate":"Thing.colour","change":"FIELD_REMOVED","reason":"<why');

    const announcements = JSON.stringify({
      breakingChanges: [
        {
          coordinate: "Thing.colour",
          change: "FIELD_REMOVED",
          reason: "Nobody set a colour; clients show the name",
          date: "2026-12-04",
        },
      ],
    });
    const announced = await checkSchema(input(graph(WITHOUT_COLOUR), { announcements }));
    expect(announced.passed).toBe(true);
    expect(announced.lines.join("\n")).toContain("announced 2026-12-04: Nobody set a colour; clients show the name");
  });

  test("an announcement for another change type of the same field does not cover a removal", async () => {
    const announcements = JSON.stringify({
      breakingChanges: [
        {
          coordinate: "Thing.colour",
          change: "FIELD_TYPE_CHANGED",
          reason: "colour became an enum",
          date: "2026-12-01",
        },
      ],
    });
    expect((await checkSchema(input(graph(WITHOUT_COLOUR), { announcements }))).passed).toBe(false);
  });

  test("an added optional argument and an added field do not fail the check", async () => {
    const wider = ALPHA.replace("thing(id: ID!): Thing", "thing(id: ID!, archived: Boolean): Thing").replace(
      "colour: String",
      "colour: String\n    size: Int",
    );
    const report = await checkSchema(input(graph(wider)));
    expect(report.changes.map((c) => [c.coordinate, c.type, c.subgraphs])).toEqual(
      expect.arrayContaining([
        ["Query.thing.archived", "FIELD_ARGUMENT_ADDED", ["alpha"]],
        ["Thing.size", "FIELD_ADDED", ["alpha"]],
      ]),
    );
    expect(report.changes.filter((c) => c.level === CriticalityLevel.Breaking)).toEqual([]);
    expect(report.passed).toBe(true);
  });

  test("an argument going from nullable to non-null is breaking; an argument becoming nullable is not", async () => {
    const stricter = BETA.replace("search(text: String)", "search(text: String!)");
    const changes = await schemaChanges(BASE, composeSubgraphs(graph(ALPHA, stricter)), graph(ALPHA, stricter));
    expect(changes).toEqual([
      expect.objectContaining({
        level: CriticalityLevel.Breaking,
        type: "FIELD_ARGUMENT_TYPE_CHANGED",
        coordinate: "Query.search.text",
        subgraphs: ["beta"],
      }),
    ]);
    const looser = ALPHA.replace("thing(id: ID!)", "thing(id: ID)");
    const relaxed = await schemaChanges(BASE, composeSubgraphs(graph(looser)), graph(looser));
    expect(relaxed.map((c) => [c.coordinate, c.level])).toEqual([["Query.thing.id", CriticalityLevel.NonBreaking]]);
  });

  test("a field turning nullable in its result is breaking; a removed type is told from the subgraph that had it", async () => {
    const nullable = ALPHA.replace("things(first: Int): [Thing!]!", "things(first: Int): [Thing!]");
    const changes = await schemaChanges(BASE, composeSubgraphs(graph(nullable)), graph(nullable));
    expect(changes.map((c) => [c.coordinate, c.type, c.level])).toEqual([
      ["Query.things", "FIELD_TYPE_CHANGED", CriticalityLevel.Breaking],
    ]);

    const withGadget = `${BETA}\n  type Gadget { id: ID! }\n  extend type Query { gadget: Gadget }`;
    const base = composeSubgraphs(graph(ALPHA, withGadget));
    const removed = await schemaChanges(base, composeSubgraphs(graph(ALPHA)), graph(ALPHA));
    expect(removed.map((c) => [c.coordinate, c.type, c.subgraphs])).toEqual(
      expect.arrayContaining([
        ["Gadget", "TYPE_REMOVED", ["beta"]],
        ["Query.gadget", "FIELD_REMOVED", ["beta"]],
      ]),
    );
  });

  test("a stale checked-in supergraph is reported and fails the check", async () => {
    const stale = composeSubgraphs(graph(ALPHA));
    const report = await checkSchema(
      input(graph(WITHOUT_COLOUR), {
        checkedIn: { supergraph: stale, apiSchema: apiSchemaOf(stale) },
        announcements: JSON.stringify({
          breakingChanges: [
            { coordinate: "Thing.colour", change: "FIELD_REMOVED", reason: "not used by anyone", date: "2026-12-04" },
          ],
        }),
      }),
    );
    expect(report.passed).toBe(false);
    expect(report.lines[0]).toMatch(/gateway\/supergraph\.graphql and schema\.graphql are stale: .*npm run compose/);
  });

  test("SDL that does not compose fails the check with composition's errors", async () => {
    const report = await checkSchema(
      input(graph(ALPHA.replace("name: String", "name: Strin")), { checkedIn: undefined }),
    );
    expect(report.passed).toBe(false);
    expect(report.lines.join("\n")).toMatch(/does not compose: .*Strin/s);
  });

  test("schema-changes.json is checked: each entry a coordinate, a change type, a reason and a date", () => {
    expect(parseAnnouncements(readFileSync(ANNOUNCEMENTS_FILE, "utf8"))).toEqual(expect.any(Array));
    expect(() =>
      parseAnnouncements(
        JSON.stringify({ breakingChanges: [{ coordinate: "Thing.colour", change: "FIELD_REMOVED" }] }),
      ),
    ).toThrow(/breakingChanges\.0\.reason[\s\S]*breakingChanges\.0\.date/);
    expect(() => parseAnnouncements("{")).toThrow(/not JSON/);
  });
});

describe("operations", () => {
  const finder = new OperationFinder(FIXTURES);
  const { operations, unchecked } = finder.find("fixtures/operations.ts");
  const supergraph = composeSubgraphs(graph(WITHOUT_COLOUR));
  const subgraphs = new Map(graph(WITHOUT_COLOUR).map((s) => [s.name, subgraphSchema(s)]));
  /** A syntax error is reported where the parser stopped. */
  const UNBALANCED = {
    file: "fixtures/operations.ts",
    line: 32,
    column: 49,
    message: "Syntax Error: Expected Name, found <EOF>.",
  };

  test("string and template literals that read as operations are found, with interpolated constants filled in", () => {
    expect(operations.map((o) => [o.line, o.source.trim().split(/\s+/).slice(0, 3).join(" ")])).toEqual([
      [8, "query ($id: ID!)"],
      [10, "query { thing(id:"],
      [20, "{ thnig {"],
      [26, "query ($r: [_Any!]!)"],
      [28, "{ things {"],
      [32, "query { things"],
    ]);
    expect(operations[0]?.source).toBe("query ($id: ID!) { thing(id: $id) { id name price } }");
    expect(operations.filter((o) => o.invalidOnPurpose).map((o) => o.line)).toEqual([20]);
    // Built from a parameter: not guessed at, but counted; "{ this is not json" and
    // "query failed: { reason }" are no operations.
    expect(unchecked).toEqual([
      { file: "fixtures/operations.ts", line: 22, column: 51, why: "built at run time from ${field}" },
    ]);
  });

  test("an operation selecting a removed field is reported at its file, line and column; subgraph operations pass against their subgraph", () => {
    const problems = validateOperations(operations, apiSchemaFromSupergraph(supergraph), subgraphs);
    expect(problems).toEqual([
      { file: "fixtures/operations.ts", line: 14, column: 7, message: 'Cannot query field "colour" on type "Thing".' },
      {
        file: "fixtures/operations.ts",
        line: 28,
        column: 44,
        message: 'Cannot query field "colour" on type "Thing". (in ${OLD_THING})',
      },
      UNBALANCED,
    ]);
  });

  test("against the graph they were written for, they pass, and a mark on a valid operation is reported", () => {
    const current = apiSchemaFromSupergraph(BASE);
    expect(validateOperations(operations, current, subgraphs)).toEqual([UNBALANCED]);
    const unmarked = operations.map((o) => ({ ...o, invalidOnPurpose: o.line === 8 || o.invalidOnPurpose }));
    expect(validateOperations(unmarked, current, subgraphs)).toEqual([
      expect.objectContaining({ line: 8, message: expect.stringMatching(/marked .* but it validates/) }),
      UNBALANCED,
    ]);
  });

  test("the check fails on an operation that no longer validates and names where it is", async () => {
    const report = await checkSchema(
      input(graph(WITHOUT_COLOUR), {
        base: undefined,
        operationFolders: ["fixtures"],
      }),
    );
    expect(report.passed).toBe(false);
    expect(report.lines.join("\n")).toContain(
      '✗ fixtures/operations.ts:14:7 Cannot query field "colour" on type "Thing".',
    );
  });
});
