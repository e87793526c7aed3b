/**
 * What the permission look-up of docs/adr/0003 costs: ticketing, billing and audit call the
 * workspace service's `POST /internal/permissions` once per (request, workspace). Measured
 * sequentially (one caller, no queueing) against two baselines on the same service and gateway:
 *
 *   - the workspace service's `/health` (an HTTP round trip that does no work),
 *   - a whole gateway request, `myPermissions` (authenticate + plan + one subgraph).
 *
 *   npx tsx bench/permission-lookup.ts                    # starts its own stack
 *   BENCH_LOOKUPS=2000 npx tsx bench/permission-lookup.ts
 */
import { randomUUID } from "node:crypto";
import { ACTOR_CONTEXT_HEADER, signActorContext } from "@support/actor-context";
import {
  graphqlOk,
  machine,
  ownerWithWorkspace,
  summary,
  timeEach,
  withBenchStack,
  type BenchStack,
} from "./common.js";

type Summary = ReturnType<typeof summary>;

export interface LookupResult {
  runs: number;
  health: Summary;
  lookup: Summary;
  gatewayRequest: Summary;
}

/** Calls before measuring, not reported. */
const WARM_UP = 50;

export async function measurePermissionLookup(stack: BenchStack, runs: number): Promise<LookupResult> {
  const owner = await ownerWithWorkspace(stack.gatewayUrl, "Lookup");
  const { token, workspaceId } = owner;
  // The context a subgraph would forward; re-signed before it nears its 60 s expiry.
  const sign = () =>
    signActorContext(
      {
        kind: "user",
        userId: owner.userId,
        organisationId: owner.organisationId,
        orgRole: "ORG_ADMIN",
        sessionId: randomUUID(),
      },
      stack.actorContextKey,
    );
  let context = await sign();
  let signedAt = Date.now();

  const health = await timeEach(
    runs,
    async () => {
      const response = await fetch(`${stack.workspaceUrl}/health`);
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`/health answered ${response.status}`);
    },
    WARM_UP,
  );
  const lookup = await timeEach(
    runs,
    async () => {
      if (Date.now() - signedAt > 30_000) {
        context = await sign();
        signedAt = Date.now();
      }
      const response = await fetch(`${stack.workspaceUrl}/internal/permissions`, {
        method: "POST",
        headers: { "content-type": "application/json", [ACTOR_CONTEXT_HEADER]: context },
        body: JSON.stringify({ workspaceId }),
      });
      const body = (await response.json()) as { permissions?: string[] };
      if (!response.ok || !body.permissions?.length) throw new Error(`lookup answered ${response.status}`);
    },
    WARM_UP,
  );
  const gatewayRequest = await timeEach(
    runs,
    async () => {
      await graphqlOk(stack.gatewayUrl, "query($w: ID!) { myPermissions(workspaceId: $w) }", { w: workspaceId }, token);
    },
    WARM_UP,
  );
  return { runs, health: summary(health), lookup: summary(lookup), gatewayRequest: summary(gatewayRequest) };
}

export function printPermissionLookup(result: LookupResult): void {
  const row = (name: string, s: Summary) =>
    `  ${name.padEnd(34)} p50 ${s.p50}ms  p95 ${s.p95}ms  p99 ${s.p99}ms  max ${s.max}ms  mean ${s.mean}ms`;
  const added = Math.round((result.lookup.p50 - result.health.p50) * 10) / 10;
  const share = Math.round((result.lookup.p50 / result.gatewayRequest.p50) * 100);
  process.stdout.write(
    [
      `\npermission look-up, ${result.runs} sequential calls each (${machine()})`,
      row("workspace /health (baseline)", result.health),
      row("POST /internal/permissions", result.lookup),
      row("gateway myPermissions (whole request)", result.gatewayRequest),
      `  look-up work beyond an empty round trip: ${added} ms p50; one look-up = ${share}% of a whole gateway request (p50 ratio ${(result.lookup.p50 / result.gatewayRequest.p50).toFixed(2)})`,
    ].join("\n") + "\n",
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await withBenchStack(async (stack) => {
    printPermissionLookup(await measurePermissionLookup(stack, Number(process.env.BENCH_LOOKUPS ?? 1000)));
  });
}
