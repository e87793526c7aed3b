import { readFileSync } from "node:fs";
import { describe, expect, test } from "@jest/globals";
import { parse } from "yaml";
import { REPO_ROOT, SERVICES } from "../services.js";

/**
 * docker-compose.yml's shape for `docker compose up --scale <service>=N` (Docker cannot run on
 * this machine, so the file is read, not run): replicas of one service must not differ in any
 * setting, nor claim a name or a host port that only one container can hold.
 */
interface ComposeService {
  container_name?: string;
  hostname?: string;
  ports?: Array<string | number | { published?: string | number }>;
  environment?: Record<string, unknown>;
  command?: string;
  restart?: string;
  healthcheck?: unknown;
}

const compose = parse(readFileSync(`${REPO_ROOT}/docker-compose.yml`, "utf8"), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const SCALED = [...SERVICES, "gateway"];

/** Whether a `ports` entry binds a port on the host (`"4000:4000"`, `{ published: 4000 }`), not only in the container (`"4003"`). */
const bindsHostPort = (entry: string | number | { published?: string | number }) =>
  typeof entry === "object" ? entry.published !== undefined : String(entry).includes(":");

describe("docker-compose.yml scales every service and the gateway", () => {
  test.each(SCALED)("%s: no container name, hostname or host port; restarted; health-checked", (name) => {
    const service = compose.services[name];
    expect(service).toBeDefined();
    expect(service?.container_name).toBeUndefined();
    expect(service?.hostname).toBeUndefined();
    expect((service?.ports ?? []).filter(bindsHostPort)).toEqual([]);
    expect(service?.restart).toBe("unless-stopped");
    expect(service?.healthcheck).toBeDefined();
  });

  const BROWSER_ORIGIN_VARIABLES = new Set(["CORS_ORIGINS", "CHECKOUT_RETURN_ORIGINS"]);

  test("no replica-specific setting: every address a replica is given is a service name, the same for all replicas", () => {
    const containerNames = Object.values(compose.services).flatMap((s) => (s.container_name ? [s.container_name] : []));
    expect(containerNames).toEqual([]);
    for (const name of SCALED) {
      const environment = compose.services[name]?.environment ?? {};
      // Peers are reached by the names the file defines, whatever the number of replicas behind them.
      for (const [variable, value] of Object.entries(environment)) {
        // Origins a browser is at are not peers (the app's origins, allowed and returned to).
        if (BROWSER_ORIGIN_VARIABLES.has(variable)) continue;
        for (const [, host] of String(value).matchAll(/https?:\/\/([^:/]+)/g)) {
          expect(Object.keys(compose.services)).toContain(host);
        }
      }
    }
  });

  test("one public entry: edge publishes the gateway's port and spreads connections over every gateway replica", () => {
    const published = Object.entries(compose.services).flatMap(([name, service]) =>
      (service.ports ?? []).filter(bindsHostPort).map((entry) => `${name} ${String(entry)}`),
    );
    expect(published).toContain("edge 4000:4000");
    expect(compose.services.edge?.environment).toMatchObject({ BALANCE_TO: "gateway:4000" });
    expect(compose.services.edge?.command).toContain("infra/stack/balancer-cli.ts");
  });
});
