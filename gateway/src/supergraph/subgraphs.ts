import { readFileSync, readdirSync } from "node:fs";

/** The subgraphs of the graph, with the env variable that overrides each one's URL. */
export const SUBGRAPHS = [
  { name: "identity", urlEnv: "IDENTITY_URL", defaultUrl: "http://127.0.0.1:4001/graphql" },
  { name: "workspace", urlEnv: "WORKSPACE_URL", defaultUrl: "http://127.0.0.1:4002/graphql" },
  { name: "ticketing", urlEnv: "TICKETING_URL", defaultUrl: "http://127.0.0.1:4003/graphql" },
  { name: "billing", urlEnv: "BILLING_URL", defaultUrl: "http://127.0.0.1:4004/graphql" },
  { name: "audit", urlEnv: "AUDIT_URL", defaultUrl: "http://127.0.0.1:4005/graphql" },
] as const;

export type SubgraphName = (typeof SUBGRAPHS)[number]["name"];

const SERVICES_DIR = new URL("../../../services/", import.meta.url);
export const SUPERGRAPH_FILE = new URL("../../supergraph.graphql", import.meta.url);
/** The API schema for clients and codegen (no federation directives), at the repository root. */
export const API_SCHEMA_FILE = new URL("../../../schema.graphql", import.meta.url);

/** A subgraph's SDL: every `src/schema/*.graphql` file of the service, in name order. */
export function readSubgraphSdl(name: SubgraphName): string {
  const dir = new URL(`${name}/src/schema/`, SERVICES_DIR);
  return readdirSync(dir)
    .filter((file) => file.endsWith(".graphql"))
    .sort()
    .map((file) => readFileSync(new URL(file, dir), "utf8"))
    .join("\n");
}
