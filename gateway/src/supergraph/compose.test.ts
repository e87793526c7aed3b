import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, test } from "@jest/globals";
import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isSpecifiedScalarType,
} from "graphql";
import { apiSchemaOf, composeSubgraphs, composeSupergraph, currentSubgraphs } from "./compose.js";
import { API_SCHEMA_FILE, SUPERGRAPH_FILE } from "./subgraphs.js";

const GATEWAY_DIR = new URL("../../", import.meta.url).pathname;

/** A sixth subgraph that also resolves User.email, with another type: a conflict composition must refuse. */
const CONFLICTING_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query { rogueUser: User }
  type User @key(fields: "id") {
    id: ID!
    email: Int!
  }
`;

describe("supergraph composition", () => {
  test("the current subgraph SDLs compose to the checked-in gateway/supergraph.graphql", () => {
    expect(composeSupergraph()).toBe(readFileSync(SUPERGRAPH_FILE, "utf8"));
  });

  test("the checked-in API schema (schema.graphql) is what the supergraph gives clients", () => {
    expect(apiSchemaOf(composeSupergraph())).toBe(readFileSync(API_SCHEMA_FILE, "utf8"));
  });

  test("the API schema is plain GraphQL a codegen tool reads: no federation directives or types", () => {
    const sdl = readFileSync(API_SCHEMA_FILE, "utf8");
    const schema = buildSchema(sdl);
    expect(schema.getQueryType()?.getFields()).toHaveProperty("me");
    expect(schema.getMutationType()?.getFields()).toHaveProperty("signUp");
    for (const internal of ["join__", "link__", "@key", "@link", "@shareable", "@external", "_entities", "_service"]) {
      expect(sdl).not.toContain(internal);
    }
    expect(schema.getType("_Any")).toBeUndefined();
  });

  test("every type and field of the API schema says what it is, in the product's words", () => {
    const schema = buildSchema(readFileSync(API_SCHEMA_FILE, "utf8"));
    const undescribed: string[] = [];
    const citingSpec: string[] = [];
    const check = (name: string, description: string | null | undefined) => {
      if (!description?.trim()) undescribed.push(name);
      else if (/\bSPEC\b|section \d/i.test(description)) citingSpec.push(name);
    };
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith("__") || isSpecifiedScalarType(type)) continue;
      check(type.name, type.description);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) check(`${type.name}.${field.name}`, field.description);
      }
      if (isEnumType(type)) {
        for (const value of type.getValues())
          if (value.description) check(`${type.name}.${value.name}`, value.description);
      }
    }
    expect(undescribed).toEqual([]);
    expect(citingSpec).toEqual([]);
  });

  test("`compose.ts --check` agrees (exit 0)", () => {
    const result = spawnSync(process.execPath, ["--import", "tsx", "src/supergraph/compose.ts", "--check"], {
      cwd: GATEWAY_DIR,
      encoding: "utf8",
    });
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("supergraph is up to date");
    expect(result.status).toBe(0);
  });

  test("a subgraph defining a non-shareable field another one owns, differently, fails with the errors", () => {
    const subgraphs = [
      ...currentSubgraphs(),
      { name: "rogue", url: "http://127.0.0.1:1/graphql", sdl: CONFLICTING_SDL },
    ];
    let failure: unknown;
    try {
      composeSubgraphs(subgraphs);
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(Error);
    const message = (failure as Error).message;
    expect(message).toMatch(/^Supergraph composition failed:/);
    // Both problems are reported: the field is not shareable, and its types disagree.
    expect(message).toMatch(/Non-shareable field "User\.email" is resolved from multiple subgraphs/);
    expect(message).toMatch(/Type of field "User\.email" is incompatible across subgraphs/);
  });

  test("the same extra subgraph without the conflicting field composes", () => {
    const harmless = CONFLICTING_SDL.replace("email: Int!", "nickname: String");
    const sdl = composeSubgraphs([
      ...currentSubgraphs(),
      { name: "rogue", url: "http://127.0.0.1:1/graphql", sdl: harmless },
    ]);
    expect(sdl).toContain("nickname: String @join__field(graph: ROGUE)");
  });
});
