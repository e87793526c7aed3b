import { readFileSync } from "node:fs";
import { describe, expect, test } from "@jest/globals";
import { parse } from "yaml";
import { loadConfig } from "../../packages/config/src/index.js";
import { REPO_ROOT, SERVICES } from "../services.js";
import { identityEnv } from "../../services/identity/src/config.js";
import { workspaceEnv } from "../../services/workspace/src/config.js";
import { ticketingEnv } from "../../services/ticketing/src/config.js";
import { billingEnv } from "../../services/billing/src/config.js";
import { auditEnv } from "../../services/audit/src/config.js";
import { gatewayEnv } from "../../gateway/src/config.js";

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

  // Where browsers are: the app's origins (allowed, returned to, linked to from mail) and the public origin of download links.
  const BROWSER_ORIGIN_VARIABLES = new Set([
    "CORS_ORIGINS",
    "CHECKOUT_RETURN_ORIGINS",
    "DOWNLOAD_BASE_URL",
    "APP_BASE_URL",
  ]);

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
    expect(compose.services.edge?.command).toContain("infra/dist/stack/balancer-cli.js");
  });
});

/** Each `${VARIABLE:-default}` as its default: what a replica gets when nothing is exported. */
const withDefaults = (environment: Record<string, unknown>): NodeJS.ProcessEnv =>
  Object.fromEntries(
    Object.entries(environment).map(([name, value]) => [
      name,
      String(value).replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, (_, fallback: string) => fallback),
    ]),
  );

const CONFIG_SCHEMAS = {
  identity: identityEnv,
  workspace: workspaceEnv,
  ticketing: ticketingEnv,
  billing: billingEnv,
  audit: auditEnv,
  gateway: gatewayEnv,
} as const;

describe("docker-compose.yml starts every service", () => {
  test.each(SCALED)("%s: its configuration loads from the environment compose gives it", (name) => {
    const environment = withDefaults(compose.services[name]?.environment ?? {});
    expect(() => loadConfig(CONFIG_SCHEMAS[name as keyof typeof CONFIG_SCHEMAS], environment)).not.toThrow();
  });
});
