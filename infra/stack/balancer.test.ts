import { connect, createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, test } from "@jest/globals";
import { startBalancer, type BalancerBackend, type RunningBalancer } from "./balancer.js";

/** A TCP server that writes its name to each connection, then echoes what it receives. */
async function namedServer(name: string): Promise<{ server: Server; backend: BalancerBackend }> {
  const server = createServer((socket) => {
    socket.on("error", () => socket.destroy());
    socket.write(`${name}\n`);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { server, backend: { host: "127.0.0.1", port } };
}

/** A port nothing listens on: taken from the OS, then let go. */
async function refusedPort(): Promise<BalancerBackend> {
  const { server, backend } = await namedServer("gone");
  await new Promise((resolve) => server.close(resolve));
  return backend;
}

/** Connects to the balancer and reads the first line (the backend's name), or null when the connection is closed first. */
function firstLine(balancer: RunningBalancer): Promise<{ line: string | null; socket: Socket }> {
  return new Promise((resolve) => {
    const socket = connect({ host: balancer.host, port: balancer.port });
    let received = "";
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString();
      if (received.includes("\n")) resolve({ line: received.split("\n")[0]!, socket });
    });
    socket.on("error", () => undefined);
    socket.on("close", () => resolve({ line: null, socket }));
  });
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function balancerFor(backends: () => readonly BalancerBackend[]): Promise<RunningBalancer> {
  const balancer = await startBalancer({ host: "127.0.0.1", port: 0, backends });
  cleanups.push(() => balancer.close());
  return balancer;
}

async function servers(...names: string[]) {
  const started = await Promise.all(names.map(namedServer));
  for (const { server } of started) cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return started;
}

describe("npm start's balancer", () => {
  test("sends each new connection to the next backend, and passes bytes both ways untouched", async () => {
    const [a, b] = await servers("a", "b");
    const balancer = await balancerFor(() => [a!.backend, b!.backend]);
    const lines: Array<string | null> = [];
    for (let i = 0; i < 4; i += 1) {
      const { line, socket } = await firstLine(balancer);
      lines.push(line);
      socket.destroy();
    }
    expect(lines).toEqual(["a", "b", "a", "b"]);

    const { socket } = await firstLine(balancer);
    const echoed = new Promise<string>((resolve) => socket.once("data", (chunk: Buffer) => resolve(chunk.toString())));
    socket.write("ping\n");
    expect(await echoed).toBe("ping\n");
    socket.destroy();
  });

  test("tries the next backend when one refuses; closes the client when none accepts", async () => {
    const [live] = await servers("live");
    const dead = await refusedPort();
    const balancer = await balancerFor(() => [dead, live!.backend]);
    for (let i = 0; i < 3; i += 1) {
      const { line, socket } = await firstLine(balancer);
      expect(line).toBe("live");
      socket.destroy();
    }
    const nothing = await balancerFor(() => [dead]);
    expect((await firstLine(nothing)).line).toBeNull();
  });

  test("follows the backends it is given, connection by connection; open connections stay where they are", async () => {
    const [a, b] = await servers("a", "b");
    let rotation = [a!.backend];
    const balancer = await balancerFor(() => rotation);
    const held = await firstLine(balancer);
    expect(held.line).toBe("a");
    rotation = [b!.backend];
    expect((await firstLine(balancer)).line).toBe("b");
    const echoed = new Promise<string>((resolve) =>
      held.socket.once("data", (chunk: Buffer) => resolve(chunk.toString())),
    );
    held.socket.write("still a\n");
    expect(await echoed).toBe("still a\n");
  });
});
