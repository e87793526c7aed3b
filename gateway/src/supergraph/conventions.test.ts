import { readFileSync } from "node:fs";
import { describe, expect, test } from "@jest/globals";
import { buildSchema } from "graphql";
import { conventionViolations } from "./conventions.js";
import { API_SCHEMA_FILE } from "./subgraphs.js";

/**
 * Lists that stay small, each with why: they need no connection. Anything else that is a list is
 * a connection (or is on NOT_YET_CONVERTED below).
 */
const BOUNDED_LISTS: Record<string, string> = {
  "ActivityEntry.changes": "the fields one change touched",
  "ActivityStats.categories": "one per activity category, a fixed set",
  "ActorActivity.byCategory": "one per activity category, a fixed set",
  "ApiKey.permissions": "a subset of the permission catalogue",
  "Role.permissions": "a subset of the permission catalogue",
  "PermissionOverrides.granted": "a subset of the permission catalogue",
  "PermissionOverrides.denied": "a subset of the permission catalogue",
  "Query.myPermissions": "a subset of the permission catalogue",
  "Workspace.myPermissions": "a subset of the permission catalogue",
  "Query.permissionCatalogue": "the catalogue itself, fixed by the code",
  "PermissionExplanation.steps":
    "one per permission layer (org role, workspace role, override, toggle, plan, prerequisite)",
  "Invitation.workspaces": "the workspaces one invitation names (at most 100)",
  "Mutation.setMemberPermissions": "the members the request names",
  "WorkspaceDeletion.services": "one per service of the graph",
  "SlaPolicy.presetHours": "SPEC's nine preset SLA hours, fixed by the code",
  "TicketField.options": "the choices of one select field",
};

/**
 * What issue 20's step 7 still has to convert (connections, DateTime/URL scalars): nothing any
 * more. The list may only shrink, and stays exact: a violation of the conventions fails the test.
 */
const NOT_YET_CONVERTED: string[] = [];

const violationsOf = (sdl: string, boundedLists: Record<string, string> = {}) =>
  conventionViolations(buildSchema(sdl), { boundedLists });

const PAGE_INFO = `type PageInfo { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }`;
const CONNECTION = `
  ${PAGE_INFO}
  type Thing { id: ID! }
  type ThingEdge { cursor: String! node: Thing! }
  type ThingConnection { edges: [ThingEdge!]! nodes: [Thing!]! pageInfo: PageInfo! totalCount: Int! }
`;

describe("the conventions test", () => {
  test("passes a schema that follows every convention", () => {
    expect(
      violationsOf(
        `
        scalar DateTime
        ${CONNECTION}
        type Query {
          thing(id: ID!): Thing
          things(first: Int, after: String, last: Int, before: String): ThingConnection
          tags: [String!]!
        }
        type Event { occurredAt: DateTime! }
      `,
        { "Query.tags": "a fixed set" },
      ),
    ).toEqual([]);
  });

  test("fails on a list that can grow without the connection shape", () => {
    expect(violationsOf(`type Thing { id: ID! } type Query { things: [Thing!] }`)).toEqual([
      "list without a connection: Query.things",
    ]);
  });

  test("fails on a connection without edges, the full pageInfo, or backward paging", () => {
    expect(
      violationsOf(`
        type Thing { id: ID! }
        type PageInfo { hasNextPage: Boolean! endCursor: String }
        type ThingConnection { nodes: [Thing!]! pageInfo: PageInfo! }
        type Query { things(first: Int, after: String): ThingConnection }
      `),
    ).toEqual([
      "connection shape: ThingConnection (no edges list)",
      "connection shape: ThingConnection (pageInfo without hasPreviousPage, startCursor)",
      "connection without last/before: Query.things",
    ]);
  });

  test("fails on a non-null root object", () => {
    expect(violationsOf(`type Thing { id: ID! } type Query { thing(id: ID!): Thing! }`)).toEqual([
      "non-null root object: Query.thing",
    ]);
  });

  test("fails on a String date, time or URL, in a field, an input or an argument", () => {
    expect(
      violationsOf(`
        type Thing { createdAt: String! avatarUrl: String dueDate: String }
        input ThingFilter { from: String }
        type Query { thing(since: ID, url: String): Thing things(filter: ThingFilter): Int }
      `),
    ).toEqual([
      "string time or URL: Query.thing(url)",
      "string time or URL: Thing.avatarUrl",
      "string time or URL: Thing.createdAt",
      "string time or URL: Thing.dueDate",
      "string time or URL: ThingFilter.from",
    ]);
  });

  test("an allowed list that is not in the schema is a mistake too", () => {
    expect(violationsOf(`type Query { n: Int }`, { "Query.gone": "was small" })).toEqual([
      "allowed list that is not a list of the schema: Query.gone",
    ]);
  });
});

describe("the graph's API schema", () => {
  test("follows the conventions, but for what is not converted yet (a list that may only shrink)", () => {
    const violations = conventionViolations(buildSchema(readFileSync(API_SCHEMA_FILE, "utf8")), {
      boundedLists: BOUNDED_LISTS,
    });
    expect(violations).toEqual(NOT_YET_CONVERTED);
  });

  test("no root field returns a non-null object", () => {
    const violations = conventionViolations(buildSchema(readFileSync(API_SCHEMA_FILE, "utf8")), {
      boundedLists: BOUNDED_LISTS,
    });
    expect(violations.filter((violation) => violation.startsWith("non-null root object"))).toEqual([]);
  });
});
