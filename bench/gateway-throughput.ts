/**
 * Gateway throughput and latency for a simple authenticated query at a fixed concurrency, with
 * autocannon: `{ me { id } }` (gateway authenticates the bearer token against identity, signs the
 * actor context, identity resolves `me`) and `myPermissions` (workspace service).
 *
 *   npx tsx bench/gateway-throughput.ts                   # starts its own stack
 *   BENCH_CONNECTIONS=20 BENCH_DURATION=20 npx tsx bench/gateway-throughput.ts
 *   BENCH_GATEWAY_URL=http://127.0.0.1:4000/graphql npx tsx bench/gateway-throughput.ts
 */
import autocannon from "autocannon";
import { graphqlOk, machine, signUp, withBenchStack } from "./common.js";

export interface ThroughputResult {
  name: string;
  connections: number;
  durationS: number;
  requests: number;
  requestsPerSecond: { mean: number; p50: number };
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  non2xx: number;
  errors: number;
  graphqlErrors: number;
}

async function run(
  name: string,
  gatewayUrl: string,
  token: string,
  body: string,
  connections: number,
  durationS: number,
): Promise<ThroughputResult> {
  let graphqlErrors = 0;
  const result = await autocannon({
    url: gatewayUrl,
    method: "POST",
    connections,
    duration: durationS,
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body,
    // Counts answers that are HTTP 200 but carry GraphQL errors: they would flatter the figures.
    setupClient: (client) => {
      client.on("body", (buffer: Buffer) => {
        if (buffer.includes('"errors"')) graphqlErrors += 1;
      });
    },
  });
  return {
    name,
    connections,
    durationS,
    requests: result.requests.total,
    requestsPerSecond: { mean: result.requests.average, p50: result.requests.p50 },
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.average,
    },
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    graphqlErrors,
  };
}

export async function measureGatewayThroughput(
  gatewayUrl: string,
  options: { connections: number; durationS: number },
): Promise<ThroughputResult[]> {
  const token = await signUp(gatewayUrl, "throughput");
  const { createWorkspace } = await graphqlOk<{ createWorkspace: { id: string } }>(
    gatewayUrl,
    `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }`,
    { input: { name: `Throughput ${Date.now()}` } },
    token,
  );
  const queries: Array<[string, string]> = [
    ["me", JSON.stringify({ query: "{ me { id } }" })],
    [
      "myPermissions",
      JSON.stringify({
        query: "query($id: ID!) { myPermissions(workspaceId: $id) }",
        variables: { id: createWorkspace.id },
      }),
    ],
  ];
  const results: ThroughputResult[] = [];
  for (const [name, body] of queries) {
    // A short warm-up run first (connections, JIT), not reported.
    await run(name, gatewayUrl, token, body, options.connections, 3);
    results.push(await run(name, gatewayUrl, token, body, options.connections, options.durationS));
  }
  return results;
}

export function printGatewayThroughput(results: ThroughputResult[]): void {
  const lines = [`\ngateway throughput (${machine()})`];
  for (const r of results) {
    lines.push(
      `  ${r.name.padEnd(14)} ${r.connections} connections, ${r.durationS}s: ${r.requests} requests, ` +
        `${r.requestsPerSecond.mean} req/s mean; latency p50 ${r.latencyMs.p50}ms p90 ${r.latencyMs.p90}ms ` +
        `p99 ${r.latencyMs.p99}ms max ${r.latencyMs.max}ms; non-2xx ${r.non2xx}, errors ${r.errors}, ` +
        `GraphQL errors ${r.graphqlErrors}`,
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
  const durationS = Number(process.env.BENCH_DURATION ?? 15);
  await withBenchStack(async ({ gatewayUrl }) => {
    printGatewayThroughput(await measureGatewayThroughput(gatewayUrl, { connections, durationS }));
  });
}
