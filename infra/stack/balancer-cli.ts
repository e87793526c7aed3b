import { lookup } from "node:dns/promises";
import { startBalancer } from "./balancer.js";

/**
 * The public entry of `docker compose up --scale gateway=N` (the `edge` service): listens on
 * HOST:PORT and spreads connections over every address BALANCE_TO's name resolves to right now
 * (Docker's DNS answers with one address per running replica), so no replica is configured
 * anywhere and a new one is used from its first connection on.
 */
const target = process.env.BALANCE_TO ?? "";
const [name, targetPort] = target.split(":");
const port = Number(process.env.PORT);
if (!name || !Number.isInteger(Number(targetPort)) || !Number.isInteger(port)) {
  process.stderr.write("BALANCE_TO (host:port) and PORT must be set, e.g. BALANCE_TO=gateway:4000 PORT=4000\n");
  process.exit(78);
}

const balancer = await startBalancer({
  host: process.env.HOST ?? "0.0.0.0",
  port,
  backends: async () => {
    // No replica running (yet): the name does not resolve, and the client's connection is closed.
    const addresses = await lookup(name, { all: true }).catch(() => []);
    // Sorted: Docker shuffles its answers, and round robin needs one order to step through.
    return addresses
      .map(({ address }) => address)
      .sort()
      .map((address) => ({ host: address, port: Number(targetPort) }));
  },
});
process.stdout.write(`balancing ${balancer.host}:${balancer.port} over every address of ${target}\n`);
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => void balancer.close().then(() => process.exit(0)));
}
