import { readFileSync, writeFileSync } from "node:fs";
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";
import { SUBGRAPHS, SUPERGRAPH_FILE, readSubgraphSdl } from "./subgraphs.js";

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

/**
 * `compose` writes gateway/supergraph.graphql; `compose --check` fails when the checked-in file
 * is not what the subgraphs compose to (run by the tests, so a stale file cannot ship).
 */
if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const sdl = composeSupergraph();
    if (process.argv.includes("--check")) {
      const current = readFileSync(SUPERGRAPH_FILE, "utf8");
      if (current !== sdl) {
        process.stderr.write("gateway/supergraph.graphql is stale: run `pnpm compose`\n");
        process.exit(1);
      }
      process.stdout.write("supergraph is up to date\n");
    } else {
      writeFileSync(SUPERGRAPH_FILE, sdl);
      process.stdout.write(`composed ${SUBGRAPHS.length} subgraphs into ${SUPERGRAPH_FILE.pathname}\n`);
    }
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
