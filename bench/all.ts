/**
 * Every benchmark against one stack: `npx tsx bench/all.ts` (or `npm run bench`).
 * Same environment variables as bench/outbox-latency.ts and bench/gateway-throughput.ts.
 */
import { withBenchStack } from "./common.js";
import { measureOutboxLatency, printOutboxLatency } from "./outbox-latency.js";
import { measureGatewayThroughput, printGatewayThroughput } from "./gateway-throughput.js";
import { measurePermissionLookup, printPermissionLookup } from "./permission-lookup.js";

await withBenchStack(async (stack) => {
  const { gatewayUrl } = stack;
  printOutboxLatency(await measureOutboxLatency(gatewayUrl, Number(process.env.BENCH_RUNS ?? 200)));
  printGatewayThroughput(
    await measureGatewayThroughput(gatewayUrl, {
      connections: Number(process.env.BENCH_CONNECTIONS ?? 10),
      durationS: Number(process.env.BENCH_DURATION ?? 15),
    }),
  );
  printPermissionLookup(await measurePermissionLookup(stack, Number(process.env.BENCH_LOOKUPS ?? 1000)));
});
