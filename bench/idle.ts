/**
 * What the stack costs while nobody calls it: the CPU each process (the gateway, every service,
 * the Kafka broker) uses per second of an idle stack, after it has settled. This is the fixed
 * cost that every other benchmark's "CPU ms/request" carries spread over its requests, and what a
 * fleet of idle replicas costs: Kafka fetch loops (each instance's invalidation feed long-polls
 * every 100 ms), consumer heartbeats, lease workers, metrics.
 *
 *   npm run bench:idle                       # = npx tsx bench/idle.ts; its own stack
 *   BENCH_IDLE_SECONDS=60 npm run bench:idle # default 30 s measured after 15 s settling
 */
import { setTimeout as sleep } from "node:timers/promises";
import { cpuMs, machine, pidListeningOn, withBenchStack } from "./common.js";

const SETTLE_SECONDS = 15;
const MEASURED_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 30);
const out = (line: string) => process.stdout.write(`${line}\n`);

await withBenchStack(async (stack) => {
  out(machine());
  await sleep(SETTLE_SECONDS * 1000);
  const port = (address: string) => Number(new URL(address.includes("://") ? address : `tcp://${address}`).port);
  const pids: Record<string, number> = { gateway: pidListeningOn(port(stack.gatewayUrl)) };
  for (const [name, url] of Object.entries(stack.serviceUrls)) pids[name] = pidListeningOn(port(url));
  pids.kafka = pidListeningOn(port(stack.kafkaBrokers[0]!));
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMs(pid)]));
  await sleep(MEASURED_SECONDS * 1000);
  const perSecond = Object.fromEntries(
    Object.entries(pids).map(([name, pid]) => [name, Math.round((cpuMs(pid) - before[name]!) / MEASURED_SECONDS)]),
  );
  const nodeTotal = Object.entries(perSecond)
    .filter(([name]) => name !== "kafka")
    .reduce((sum, [, ms]) => sum + ms, 0);
  out(`idle CPU, ms per second over ${MEASURED_SECONDS} s: ${JSON.stringify(perSecond)}`);
  out(`the six Node processes together: ${nodeTotal} ms per second (${(nodeTotal / 10).toFixed(1)} % of one core)`);
  out(`load average after: ${machine()}`);
});
