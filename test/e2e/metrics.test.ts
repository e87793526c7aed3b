import { request as httpRequest } from "node:http";
import { beforeAll, describe, expect, test } from "@jest/globals";
import { createKafka } from "@support/events";
import { createLogger } from "@support/logger";
import { postWebhook } from "../harness/billing.js";
import {
  createWorkspace,
  eventually,
  graphql,
  graphqlOk,
  signUp,
  testStack,
  type SignedUpUser,
} from "../harness/stack.js";
import { metricsUrlsOf, sampleOf, scrape, type StackProcess } from "../harness/metrics.js";
import { setPlan } from "../harness/workspace.js";

/**
 * Issue 23, metrics (docs/adr/0020): every process serves Prometheus' text format on its own
 * metrics port, which the stack names per instance; the gateway's public address has no /metrics
 * in any spelling.
 */

const SERVICES = ["identity", "workspace", "ticketing", "billing", "audit"] as const;
const PROCESSES: StackProcess[] = ["gateway", ...SERVICES];

const scrapeOne = (process: StackProcess) => scrape(metricsUrlsOf(process)[0]!);

/** Sends exactly `path` (fetch would normalise it) to `base`'s host and port. */
function sendRaw(base: string, path: string): Promise<{ status: number; text: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method: "GET", path }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (text += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    req.end();
  });
}

let owner: SignedUpUser;
let workspaceId: string;

beforeAll(async () => {
  // A few requests of every kind, so that each family has something to show.
  owner = await signUp();
  workspaceId = await createWorkspace(owner.token, `Metrics ${Date.now()}`);
  // Imports and exports are features of paid plans.
  await setPlan(owner, workspaceId, { plan: "PRO", seats: 10 });
  for (let i = 0; i < 3; i += 1) {
    await graphqlOk(`query MetricsProbe { me { id } }`, { token: owner.token });
  }
  // Ticketing asks for permissions (its cache), and imports tickets.
  await graphqlOk(
    `mutation MetricsImport($w: ID!, $csv: String!, $m: TicketImportMapping!) {
      importTickets(workspaceId: $w, csv: $csv, mapping: $m) { imported } }`,
    {
      token: owner.token,
      variables: { w: workspaceId, csv: "Subject\r\nPrinter on fire\r\nRefund please", m: { title: "Subject" } },
    },
  );
  // Errors: a validation failure, and a refused credential (before any operation runs).
  // schema-check: invalid on purpose (counted as GRAPHQL_VALIDATION_FAILED)
  await graphql(
    `
      query MetricsBroken {
        noSuchField
      }
    `,
    { token: owner.token },
  );
  await graphql(
    `
      query MetricsProbe {
        me {
          id
        }
      }
    `,
    { token: "sess_not_a_session" },
  );
  // Billing: a webhook without a signature is refused.
  expect(await postWebhook(JSON.stringify({ id: "evt_metrics", type: "invoice.paid" }), null)).toBe(400);
  // Both exports, downloaded to their last byte.
  const origin = new URL(testStack().gatewayUrl).origin;
  const download = async (url: string) => {
    const response = await fetch(url.startsWith("http") ? url : `${origin}${url}`);
    await response.arrayBuffer();
    return response.status;
  };
  const zip = await graphqlOk<{ exportWorkspaceData: { url: string } }>(
    `mutation MetricsExport($w: ID!) { exportWorkspaceData(id: $w) { url } }`,
    { token: owner.token, variables: { w: workspaceId } },
  );
  expect(await download(zip.exportWorkspaceData.url)).toBe(200);
  const log = await graphqlOk<{ exportActivityLog: { url: string } }>(
    `mutation MetricsLogExport($w: ID!) { exportActivityLog(workspaceId: $w) { url } }`,
    { token: owner.token, variables: { w: workspaceId } },
  );
  expect(await download(log.exportActivityLog.url)).toBe(200);
}, 120_000);

describe("GET /metrics on every process's metrics port", () => {
  test("the stack names one metrics address per instance, apart from the addresses clients use", () => {
    const stack = testStack();
    const clientPorts = new Set([
      new URL(stack.gatewayUrl).port,
      ...SERVICES.map((service) => new URL(stack.serviceUrls[service]).port),
    ]);
    for (const process of PROCESSES) {
      const urls = metricsUrlsOf(process);
      expect(urls.length).toBeGreaterThanOrEqual(1);
      for (const url of urls) {
        expect(url).toMatch(/\/metrics$/);
        expect(clientPorts.has(new URL(url).port)).toBe(false);
      }
    }
  });

  test.each(PROCESSES)("%s answers in Prometheus' text format, with the process metrics", async (process) => {
    for (const url of metricsUrlsOf(process)) {
      const scraped = await scrape(url);
      expect(scraped.status).toBe(200);
      expect(scraped.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(scraped.families.get("process_cpu_user_seconds_total")).toBe("counter");
      expect(scraped.families.get("process_resident_memory_bytes")).toBe("gauge");
      expect(scraped.families.get("nodejs_eventloop_lag_seconds")).toBe("gauge");
    }
  });

  test("the gateway: operation latency by name, errors by code, subgraph fetches, credential cache", async () => {
    const scraped = await scrapeOne("gateway");
    expect(scraped.families.get("support_gateway_operation_duration_seconds")).toBe("histogram");
    const probes = sampleOf(scraped, "support_gateway_operation_duration_seconds_count", {
      operation_name: "MetricsProbe",
    });
    expect(probes?.value).toBeGreaterThanOrEqual(3);
    // signUp and createWorkspace are sent without a name by the harness.
    expect(
      sampleOf(scraped, "support_gateway_operation_duration_seconds_count", { operation_name: "(anonymous)" })?.value,
    ).toBeGreaterThanOrEqual(2);
    expect(scraped.families.get("support_gateway_errors_total")).toBe("counter");
    expect(
      sampleOf(scraped, "support_gateway_errors_total", { code: "GRAPHQL_VALIDATION_FAILED" })?.value,
    ).toBeGreaterThanOrEqual(1);
    expect(
      sampleOf(scraped, "support_gateway_errors_total", { code: "UNAUTHENTICATED" })?.value,
    ).toBeGreaterThanOrEqual(1);
    expect(scraped.families.get("support_gateway_subgraph_fetch_duration_seconds")).toBe("histogram");
    for (const subgraph of ["identity", "workspace", "ticketing"]) {
      expect(
        sampleOf(scraped, "support_gateway_subgraph_fetch_duration_seconds_count", { subgraph, outcome: "ok" })?.value,
      ).toBeGreaterThanOrEqual(1);
    }
    expect(scraped.families.get("support_cache_lookups_total")).toBe("counter");
    const hits = sampleOf(scraped, "support_cache_lookups_total", { cache: "credentials", result: "hit" });
    const misses = sampleOf(scraped, "support_cache_lookups_total", { cache: "credentials", result: "miss" });
    expect(hits).toBeDefined();
    expect(misses).toBeDefined();
    expect(hits!.value + misses!.value).toBeGreaterThanOrEqual(4);
    expect(scraped.families.get("support_cache_invalidations_live")).toBe("gauge");
  });

  test.each(SERVICES)("%s: outbox backlog and age, consumer lag, dead letters and parked events", async (service) => {
    const scraped = await scrapeOne(service);
    for (const [family, type] of [
      ["support_outbox_backlog_events", "gauge"],
      ["support_outbox_oldest_pending_age_seconds", "gauge"],
      ["support_outbox_parked_events", "gauge"],
      ["support_consumer_lag_messages", "gauge"],
      ["support_consumer_dead_letters_total", "counter"],
      ["support_consumer_parked_events", "gauge"],
    ] as const) {
      expect({ service, family, type: scraped.families.get(family) }).toEqual({ service, family, type });
    }
    const backlog = sampleOf(scraped, "support_outbox_backlog_events");
    expect(backlog?.value).toBeGreaterThanOrEqual(0);
    expect(sampleOf(scraped, "support_outbox_oldest_pending_age_seconds")?.value).toBeGreaterThanOrEqual(0);
    // Every consumer group of the service, each with its lag per topic and its dead letters (0 here).
    const lag = scraped.samples.filter((sample) => sample.name === "support_consumer_lag_messages");
    expect(lag.length).toBeGreaterThanOrEqual(1);
    for (const sample of lag) {
      expect(sample.labels.group).toMatch(new RegExp(`^${service}\\.`));
      expect(sample.value).toBeGreaterThanOrEqual(0);
    }
    const groups = new Set(lag.map((sample) => sample.labels.group));
    for (const group of groups) {
      expect(sampleOf(scraped, "support_consumer_dead_letters_total", { group: group! })?.value).toBeGreaterThanOrEqual(
        0,
      );
      expect(sampleOf(scraped, "support_consumer_parked_events", { group: group! })?.value).toBeGreaterThanOrEqual(0);
    }

    // A message no consumer can parse, written to a topic one of its groups reads, is counted as
    // that group's dead letter (other suites may add their own meanwhile: at least one more).
    const { group, topic } = lag[0]!.labels as { group: string; topic: string };
    const before = sampleOf(scraped, "support_consumer_dead_letters_total", { group })?.value ?? 0;
    const kafka = createKafka(
      "metrics-test",
      testStack().kafkaBrokers,
      createLogger({ service: "metrics-test", level: "silent" }),
    );
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await producer.send({ topic, messages: [{ key: `metrics-${service}`, value: "{ not json" }] });
    } finally {
      await producer.disconnect();
    }
    await eventually(
      async () => {
        const now = sampleOf(await scrapeOne(service), "support_consumer_dead_letters_total", { group })?.value ?? 0;
        return now >= before + 1 ? true : undefined;
      },
      30_000,
      `${group}'s dead letter counted`,
    );
  });

  test.each(["ticketing", "billing", "audit"] as const)(
    "%s: its permission cache's hits and misses",
    async (service) => {
      const scraped = await scrapeOne(service);
      expect(sampleOf(scraped, "support_cache_lookups_total", { cache: "permissions", result: "hit" })).toBeDefined();
      expect(sampleOf(scraped, "support_cache_lookups_total", { cache: "permissions", result: "miss" })).toBeDefined();
    },
  );

  test("ticketing: its permission cache was asked, SLA timers due, and the import's duration", async () => {
    const scraped = await scrapeOne("ticketing");
    const lookups = scraped.samples.filter(
      (sample) => sample.name === "support_cache_lookups_total" && sample.labels.cache === "permissions",
    );
    expect(lookups.reduce((sum, sample) => sum + sample.value, 0)).toBeGreaterThanOrEqual(1);
    expect(scraped.families.get("support_sla_timers_due")).toBe("gauge");
    expect(scraped.families.get("support_sla_timers_oldest_due_age_seconds")).toBe("gauge");
    for (const kind of ["warning", "breach"]) {
      expect(sampleOf(scraped, "support_sla_timers_due", { kind })?.value).toBeGreaterThanOrEqual(0);
    }
    expect(scraped.families.get("support_ticket_import_duration_seconds")).toBe("histogram");
    expect(
      sampleOf(scraped, "support_ticket_import_duration_seconds_count", { outcome: "imported" })?.value,
    ).toBeGreaterThanOrEqual(1);
  });

  test("billing: Stripe webhook outcomes", async () => {
    const scraped = await scrapeOne("billing");
    expect(scraped.families.get("support_stripe_webhooks_total")).toBe("counter");
    expect(
      sampleOf(scraped, "support_stripe_webhooks_total", { outcome: "refused", event_type: "unknown" })?.value,
    ).toBeGreaterThanOrEqual(1);
  });

  test.each([
    ["workspace", "workspace_data"],
    ["audit", "activity_log"],
  ] as const)("%s: the %s export's duration", async (service, kind) => {
    // Observed when the server's stream ends, which may be just after the client read the last byte.
    const scraped = await eventually(async () => {
      const result = await scrapeOne(service);
      const count = sampleOf(result, "support_export_duration_seconds_count", { export: kind, outcome: "completed" });
      return count && count.value >= 1 ? result : undefined;
    });
    expect(scraped.families.get("support_export_duration_seconds")).toBe("histogram");
  });
});

describe("no /metrics where clients reach the product", () => {
  const SPELLINGS = ["/metrics", "/%6detrics", "//metrics", "/metrics/", "/METRICS", "/metrics?x=1", "/./metrics"];

  test.each(SPELLINGS)("the gateway's public address refuses %s", async (path) => {
    const { status, text } = await sendRaw(testStack().gatewayUrl, path);
    expect({ path, status }).toEqual({ path, status: 404 });
    expect(text).not.toMatch(/# (HELP|TYPE)|support_|process_cpu/);
  });

  test("nor does any service's own address answer it", async () => {
    for (const service of SERVICES) {
      for (const path of SPELLINGS) {
        const { status, text } = await sendRaw(testStack().serviceUrls[service], path);
        expect({ service, path, status }).toEqual({ service, path, status: 404 });
        expect(text).not.toMatch(/# (HELP|TYPE)/);
      }
    }
  });

  test("the metrics port serves /metrics and nothing else", async () => {
    const { status } = await sendRaw(metricsUrlsOf("gateway")[0]!, "/graphql");
    expect(status).toBe(404);
  });
});
