/**
 * End-to-end latency of the event path: createWorkspace through the gateway (workspace service
 * writes the row and its outbox event in one transaction) until `workspace.created` is visible in
 * the workspace's activityLog (NOTIFY -> relay -> Kafka -> audit consumer -> hash-chained entry
 * -> audit subgraph -> gateway).
 *
 *   npx tsx bench/outbox-latency.ts            # starts its own stack (ports 4450-4455, Kafka 19496)
 *   BENCH_RUNS=500 npx tsx bench/outbox-latency.ts
 *   BENCH_GATEWAY_URL=http://127.0.0.1:4000/graphql npx tsx bench/outbox-latency.ts
 */
import { graphqlOk, machine, signUp, summary, withBenchStack } from "./common.js";

const CREATE = `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }`;
const CREATED_ENTRIES = `query($id: ID!) {
  activityLog(workspaceId: $id, filter: { action: "workspace.created" }) { nodes { action } }
}`;
/** Pause between activityLog polls; small against the measured latency, so it barely quantises it. */
const POLL_INTERVAL_MS = 5;
const TIMEOUT_MS = 30_000;

export interface OutboxLatencyResult {
  runs: number;
  mutationMs: ReturnType<typeof summary>;
  endToEndMs: ReturnType<typeof summary>;
  polls: ReturnType<typeof summary>;
}

export async function measureOutboxLatency(gatewayUrl: string, runs: number): Promise<OutboxLatencyResult> {
  const token = await signUp(gatewayUrl, "outbox-latency");
  const mutation: number[] = [];
  const endToEnd: number[] = [];
  const polls: number[] = [];
  const warmup = Math.min(10, Math.ceil(runs / 10));
  for (let i = 0; i < warmup + runs; i++) {
    const startedAt = performance.now();
    const { createWorkspace } = await graphqlOk<{ createWorkspace: { id: string } }>(
      gatewayUrl,
      CREATE,
      { input: { name: `Latency ${i} ${Date.now()}` } },
      token,
    );
    const answeredAt = performance.now();
    let attempts = 0;
    for (;;) {
      attempts += 1;
      const page = await graphqlOk<{ activityLog: { nodes: unknown[] } }>(
        gatewayUrl,
        CREATED_ENTRIES,
        { id: createWorkspace.id },
        token,
      );
      if (page.activityLog.nodes.length > 0) break;
      if (performance.now() - startedAt > TIMEOUT_MS) {
        throw new Error(`workspace.created of ${createWorkspace.id} not in the activity log after ${TIMEOUT_MS} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
    if (i < warmup) continue; // connections, JIT and caches warm up first
    mutation.push(answeredAt - startedAt);
    endToEnd.push(performance.now() - startedAt);
    polls.push(attempts);
  }
  return { runs, mutationMs: summary(mutation), endToEndMs: summary(endToEnd), polls: summary(polls) };
}

export function printOutboxLatency(result: OutboxLatencyResult): void {
  const row = (name: string, s: ReturnType<typeof summary>, unit = "ms") =>
    `  ${name.padEnd(34)} p50 ${s.p50}${unit}  p95 ${s.p95}${unit}  p99 ${s.p99}${unit}  max ${s.max}${unit}  mean ${s.mean}${unit}`;
  process.stdout.write(
    [
      `\noutbox latency: ${result.runs} sequential createWorkspace runs (${machine()})`,
      row("createWorkspace answered", result.mutationMs),
      row("workspace.created in activityLog", result.endToEndMs),
      row("activityLog polls per run", result.polls, ""),
      "",
    ].join("\n"),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const runs = Number(process.env.BENCH_RUNS ?? 200);
  await withBenchStack(async ({ gatewayUrl }) => {
    printOutboxLatency(await measureOutboxLatency(gatewayUrl, runs));
  });
}
