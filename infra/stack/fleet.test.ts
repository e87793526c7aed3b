import { get } from "node:http";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { afterEach, describe, expect, test } from "@jest/globals";
import { REPO_ROOT } from "../services.js";
import { startFleet, HEALTH_PROBE, type Fleet } from "./fleet.js";

/** A stand-in service: every path answers its pid (so /ready and /health are 200); SIGTERM exits 0. */
const SERVER = `
import { createServer } from "node:http";
const server = createServer((request, response) => response.end(String(process.pid)));
server.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
`;
const dir = mkdtempSync(`${tmpdir()}/fleet-`);
writeFileSync(`${dir}/server.mjs`, SERVER);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The pid that answers a request on a new connection (no keep-alive: each one is balanced anew). */
function pidVia(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false, timeout: 5_000 }, (response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => (body += chunk.toString()));
      response.on("end", () => resolve(Number(body)));
    })
      .on("timeout", function (this: { destroy(error: Error): void }) {
        this.destroy(new Error("timed out"));
      })
      .on("error", reject);
  });
}

let running: Fleet | null = null;
afterEach(async () => {
  await running?.stop();
  running = null;
});

async function fleetOfTwo(): Promise<{ fleet: Fleet; printed: string[] }> {
  const printed: string[] = [];
  const fleet = await startFleet({
    service: "stand-in",
    host: "127.0.0.1",
    port: await freePort(),
    instancePorts: [await freePort(), await freePort()],
    program: (port) => ({
      entry: `${dir}/server.mjs`,
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? "", PORT: String(port) },
    }),
    logDir: dir,
    log: (message) => printed.push(message),
    readyTimeoutMs: 30_000,
  });
  running = fleet;
  return { fleet, printed };
}

const servingPids = (fleet: Fleet) => new Set(fleet.instances.map((instance) => instance.pid));

describe("npm start's fleets (REPLICAS > 1)", () => {
  test("spreads connections over the instances; a killed one is skipped at once, restarted by the supervisor and served again", async () => {
    const { fleet, printed } = await fleetOfTwo();
    expect(fleet.instances.map((i) => i.name)).toEqual(["stand-in-1", "stand-in-2"]);
    const answered = await Promise.all(Array.from({ length: 6 }, () => pidVia(fleet.url)));
    expect(new Set(answered)).toEqual(servingPids(fleet));

    const [victim, survivor] = fleet.instances;
    const survivorPid = survivor!.pid;
    await fleet.kill(victim!);
    expect(victim!.serving).toBe(false);
    // While it is down (the supervisor waits 1 s), every connection still finds the survivor.
    for (let i = 0; i < 4; i += 1) expect(await pidVia(fleet.url)).toBe(survivorPid);

    await fleet.untilServing(victim!, 20_000);
    expect(victim!.pid).not.toBeUndefined();
    const after = await Promise.all(Array.from({ length: 6 }, () => pidVia(fleet.url)));
    expect(new Set(after)).toEqual(servingPids(fleet));
    expect(printed).toContain("stand-in-1 exited unexpectedly (signal SIGKILL); restarting in 1s (restart 1)");
  }, 60_000);

  test("takes a hung (frozen) instance out of rotation after failed health probes and back once it answers; restart() is immediate", async () => {
    const { fleet } = await fleetOfTwo();
    const [hung, other] = fleet.instances;
    fleet.freeze(hung!);
    try {
      await eventually(
        async () => (hung!.serving ? undefined : true),
        "the frozen instance to leave the rotation",
        (HEALTH_PROBE.failures + 2) * (HEALTH_PROBE.intervalMs + HEALTH_PROBE.timeoutMs),
      );
      for (let i = 0; i < 4; i += 1) expect(await pidVia(fleet.url)).toBe(other!.pid);
    } finally {
      fleet.thaw(hung!);
    }
    await eventually(async () => (hung!.serving ? true : undefined), "the thawed instance to serve again");

    const before = hung!.pid;
    await fleet.restart(hung!);
    expect(hung!.pid).not.toBe(before);
    expect(hung!.serving).toBe(true);
  }, 60_000);
});
