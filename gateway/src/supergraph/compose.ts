import { readFileSync, writeFileSync } from "node:fs";
import { composeServices } from "@apollo/composition";
import { Supergraph } from "@apollo/federation-internals";
import { lexicographicSortSchema, parse, printSchema } from "graphql";
import { API_SCHEMA_FILE, SUBGRAPHS, SUPERGRAPH_FILE, readSubgraphSdl } from "./subgraphs.js";

export interface SubgraphSource {
  name: string;
  url: string;
  sdl: string;
}

/** Composes a supergraph from the given subgraph SDLs; throws with every composition error. */
export function composeSubgraphs(subgraphs: readonly SubgraphSource[]): string {
  const result = composeServices(
    subgraphs.map((subgraph) => ({ name: subgraph.name, url: subgraph.url, typeDefs: parse(subgraph.sdl) })),
  );
  if (result.errors) {
    throw new Error(`Supergraph composition failed:\n${result.errors.map((e) => `  - ${e.message}`).join("\n")}`);
  }
  return result.supergraphSdl;
}

/** The current subgraphs' SDL, as the services serve it. */
export function currentSubgraphs(): SubgraphSource[] {
  return SUBGRAPHS.map((subgraph) => ({
    name: subgraph.name,
    url: subgraph.defaultUrl,
    sdl: readSubgraphSdl(subgraph.name),
  }));
}

/** Composes the supergraph from the subgraphs' SDL; throws with every composition error. */
export function composeSupergraph(): string {
  return composeSubgraphs(currentSubgraphs());
}

const API_SCHEMA_HEADER =
  "# The graph's API schema, as clients see it at the gateway: written by `npm run compose` from the\n" +
  "# subgraphs' SDL, without federation's directives and types. Read it with codegen tools; do not edit.\n\n";

/**
 * The API schema of a supergraph: what a client can query, without federation's `join__`/`link__`
 * machinery, types sorted by name so the file diffs well.
 */
export function apiSchemaOf(supergraphSdl: string): string {
  const api = Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
  return `${API_SCHEMA_HEADER}${printSchema(lexicographicSortSchema(api))}\n`;
}

/**
 * `compose` writes gateway/supergraph.graphql and the API schema, schema.graphql at the repository
 * root; `compose --check` fails when either checked-in file is not what the subgraphs compose to
 * (run by the tests, so a stale file cannot ship).
 */
if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const sdl = composeSupergraph();
    const api = apiSchemaOf(sdl);
    if (process.argv.includes("--check")) {
      const files: ReadonlyArray<{ file: URL; expected: string; name: string }> = [
        { file: SUPERGRAPH_FILE, expected: sdl, name: "gateway/supergraph.graphql" },
        { file: API_SCHEMA_FILE, expected: api, name: "schema.graphql" },
      ];
      const stale = files.filter(({ file, expected }) => readFileSync(file, "utf8") !== expected);
      if (stale.length > 0) {
        process.stderr.write(`${stale.map(({ name }) => name).join(" and ")} stale: run \`npm run compose\`\n`);
        process.exit(1);
      }
      process.stdout.write("supergraph is up to date\n");
    } else {
      writeFileSync(SUPERGRAPH_FILE, sdl);
      writeFileSync(API_SCHEMA_FILE, api);
      process.stdout.write(
        `composed ${SUBGRAPHS.length} subgraphs into ${SUPERGRAPH_FILE.pathname} and ${API_SCHEMA_FILE.pathname}\n`,
      );
    }
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
