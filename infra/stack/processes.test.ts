import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { afterEach, describe, expect, test } from "@jest/globals";
import { REPO_ROOT } from "../services.js";
import { nodeArgsFor, startProcess, waitUntilReady, type ManagedProcess } from "./processes.js";

/** A stand-in service: answers /health with its pid; /exit?code=N exits with N; SIGTERM exits 0. */
const SERVER = `
import { createServer } from "node:http";
const server = createServer((request, response) => {
  const url = new URL(request.url, "http://x");
  if (url.pathname === "/exit") { response.end(); process.exit(Number(url.searchParams.get("code"))); }
  response.end(String(process.pid));
});
server.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
`;

const BACKOFF = { firstMs: 100, maxMs: 400, resetAfterMs: 60_000 };
const dir = mkdtempSync(`${tmpdir()}/supervisor-`);
writeFileSync(`${dir}/server.mjs`, SERVER);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

let running: ManagedProcess | null = null;
afterEach(async () => {
  await running?.stop();
  running = null;
});

async function supervised(): Promise<{ managed: ManagedProcess; url: string; printed: string[] }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const printed: string[] = [];
  const managed = startProcess({
    name: "stand-in",
    entry: `${dir}/server.mjs`,
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", PORT: String(port) },
    logDir: dir,
    backoff: BACKOFF,
  });
  running = managed;
  await waitUntilReady(`${url}/health`, managed, 30_000);
  managed.keepRunning((message) => printed.push(message));
  return { managed, url, printed };
}

const pidAt = async (url: string) => Number(await (await fetch(`${url}/health`)).text());

describe("npm start's process runner", () => {
  test("restarts a process that was killed, with a growing back-off, and says so", async () => {
    const { managed, url, printed } = await supervised();
    const first = await pidAt(url);

    managed.child.kill("SIGKILL");
    const second = await eventually(async () => {
      const pid = await pidAt(url);
      return pid !== first ? pid : undefined;
    }, "the restarted process to answer");
    expect(printed).toEqual([
      "stand-in exited unexpectedly (signal SIGKILL); restarting in 0.1s (restart 1)",
      `stand-in restarted (pid ${second})`,
    ]);

    await fetch(`${url}/exit?code=1`).catch(() => undefined);
    await eventually(async () => ((await pidAt(url)) !== second ? true : undefined), "the second restart");
    expect(printed[2]).toBe("stand-in exited unexpectedly (code 1); restarting in 0.2s (restart 2)");
    expect(readFileSync(managed.logFile, "utf8")).toContain("[supervisor] stand-in exited unexpectedly (code 1)");
  });

  test("does not restart after stop(), after a clean exit, or after a refused configuration", async () => {
    const stopped = await supervised();
    await stopped.managed.stop();
    const clean = await supervised();
    clean.managed.child.kill("SIGTERM"); // exits 0, as a service does on SIGTERM
    const refused = await supervised();
    await fetch(`${refused.url}/exit?code=78`).catch(() => undefined);

    await eventually(
      async () => (refused.printed.length > 0 && clean.managed.child.exitCode === 0 ? true : undefined),
      "both processes to exit",
    );
    expect(refused.printed).toEqual([
      expect.stringMatching(/^stand-in exited with code 78 \(configuration refused\); not restarting/),
    ]);
    // Proving that nothing happens needs a wait: past the longest back-off, nothing was restarted.
    await new Promise((resolve) => setTimeout(resolve, BACKOFF.maxMs * 2));
    for (const { url, printed } of [stopped, clean]) {
      expect(printed).toEqual([]);
      await expect(fetch(`${url}/health`)).rejects.toThrow();
    }
  });
});

describe("nodeArgsFor", () => {
  test("sources run under tsx with the tracing register; builds with the built one; other scripts with neither", () => {
    expect(nodeArgsFor("src/server.ts")).toEqual([
      "--import",
      "tsx",
      "--import",
      `${REPO_ROOT}/packages/tracing/src/register.ts`,
    ]);
    expect(nodeArgsFor("dist/server.js")).toEqual([
      "--conditions=built",
      "--import",
      `${REPO_ROOT}/packages/tracing/dist/register.js`,
    ]);
    expect(nodeArgsFor(`${REPO_ROOT}/infra/dist/db/cli.js`)).toContain(
      `${REPO_ROOT}/packages/tracing/dist/register.js`,
    );
    // A stand-in script needs no build of anything (CI builds nothing before the tests).
    expect(nodeArgsFor("/tmp/fleet-x/server.mjs")).toEqual(["--conditions=built"]);
  });
});
