import { connect, createServer, type Server, type Socket } from "node:net";

/** Where the balancer may send a connection. */
export interface BalancerBackend {
  host: string;
  port: number;
}

export interface BalancerOptions {
  host: string;
  /** 0 lets the OS pick one; `port` of the result says which. */
  port: number;
  /**
   * The backends a new connection may go to, asked for each connection (so instances that come and
   * go, or a DNS name's current addresses, are followed without telling the balancer anything).
   */
  backends: () => readonly BalancerBackend[] | Promise<readonly BalancerBackend[]>;
  /** How long one connection attempt may take before the next backend is tried. */
  connectTimeoutMs?: number;
}

export interface RunningBalancer {
  host: string;
  port: number;
  close(): Promise<void>;
}

/**
 * A round-robin TCP balancer, the local stand-in for a Kubernetes Service or Docker's DNS name:
 * each accepted connection goes to the next backend, and while that one refuses (or does not
 * accept within `connectTimeoutMs`) to the ones after it; when none accepts, the client's
 * connection is closed. It never reads what flows through: bytes are piped both ways, so it works
 * for any protocol and adds no buffering. Balancing is per connection, like kube-proxy: a client's
 * keep-alive connection stays with one backend (the gateway recycles its subgraph connections so
 * that load spreads again after an instance comes back).
 */
export async function startBalancer(options: BalancerOptions): Promise<RunningBalancer> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 1_000;
  const clients = new Set<Socket>();
  let next = 0;

  const attach = (upstream: Socket, client: Socket) => {
    upstream.setNoDelay(true);
    // Either side ending or failing ends the other: a client must see its backend go away.
    upstream.once("close", () => client.destroy());
    client.once("close", () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  };

  /** Tries the backends from the round-robin position on; resolves with the first that accepts. */
  const connectToOne = async (client: Socket): Promise<void> => {
    const backends = await options.backends();
    const start = next;
    next = (next + 1) % Math.max(backends.length, 1);
    for (let tried = 0; tried < backends.length; tried += 1) {
      if (client.destroyed) return;
      const backend = backends[(start + tried) % backends.length]!;
      const upstream = await new Promise<Socket | null>((resolve) => {
        const socket = connect({ host: backend.host, port: backend.port });
        const fail = () => {
          socket.destroy();
          resolve(null);
        };
        socket.setTimeout(connectTimeoutMs, fail);
        socket.once("error", fail);
        socket.once("connect", () => {
          socket.setTimeout(0);
          socket.removeListener("error", fail);
          socket.on("error", () => socket.destroy()); // reported through "close"
          resolve(socket);
        });
      });
      if (!upstream) continue;
      if (client.destroyed) {
        upstream.destroy();
        return;
      }
      attach(upstream, client);
      return;
    }
    client.destroy();
  };

  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    clients.add(client);
    client.once("close", () => clients.delete(client));
    client.setNoDelay(true);
    client.on("error", () => client.destroy()); // reported through "close"
    connectToOne(client).catch(() => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.removeListener("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;

  return {
    host: options.host,
    port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const client of clients) client.destroy();
      await closed;
    },
  };
}
