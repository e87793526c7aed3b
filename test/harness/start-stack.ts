import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { actorContextKeysSchema } from "@support/actor-context";
import { startStack, type RunningStack } from "@support/infra/stack";
import { STACK_FILE, type TestStack } from "./stack.js";

/** The stack exports its spans to `basePort + 9` (the ports below it are the stack's, above it the instances'). */
const OTLP_RECEIVER_PORT_OFFSET = 9;

/** The one test harness: starts the whole stack once per test run, on its own ports and databases. */
export async function startTestStack(): Promise<RunningStack> {
  const root = new URL("../../", import.meta.url).pathname;
  // Overridable so that several test runs can share a machine without sharing ports or data.
  const basePort = Number(process.env.TEST_BASE_PORT ?? 4100);
  const kafkaPort = Number(process.env.TEST_KAFKA_PORT ?? 19192);
  const databaseSuffix = process.env.TEST_DATABASE_SUFFIX ?? "_test";
  const kafka = { port: kafkaPort, controllerPort: kafkaPort + 1, dataDir: `${root}.local/kafka${databaseSuffix}` };
  // A clean broker per run (freshDatabases: startStack empties its data folder once it owns the suffix).
  // Two keys, as in the middle of a rotation: the gateway signs with `current`, and every service
  // also accepts `previous` (test/e2e/edge-trust.test.ts signs with it).
  const secret = () => randomBytes(32).toString("base64url");
  const actorContextKeys = `current:${secret()},previous:${secret()}`;
  // Services log each request's SQL statement count (test/e2e/sql-statements.test.ts reads it).
  process.env.LOG_SQL_STATEMENTS = "true";
  // The stack's ticketing fires no SLA timers: test/e2e/sla-timers.test.ts starts the instances that do.
  process.env.SLA_TIMERS_ENABLED = "false";
  // Tracing on, recording only the requests that arrive with a sampled W3C traceparent (no test but
  // test/e2e/tracing.test.ts sends one, so the others record nothing), exported as OTLP/JSON to
  // the receiver that suite runs on this port while it runs (docs/adr/0021).
  const otlpReceiverPort = basePort + OTLP_RECEIVER_PORT_OFFSET;
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${otlpReceiverPort}`;
  process.env.OTEL_EXPORTER_OTLP_PROTOCOL = "http/json";
  process.env.OTEL_TRACES_SAMPLER = "parentbased_always_off";
  process.env.OTEL_BSP_SCHEDULE_DELAY = "200";
  const startedAt = Date.now();
  const stack = await startStack({
    actorContextKeys,
    basePort,
    databaseSuffix,
    freshDatabases: true,
    logDir: `${root}.local/logs${databaseSuffix}`,
    kafka,
    // Tests read the mail they cause (invitation tokens), whatever SMTP_URL a developer has set.
    alwaysCatchMail: true,
    log: (message) => process.stdout.write(`[harness] ${message}\n`),
  });
  process.stdout.write(`[harness] stack ready in ${((Date.now() - startedAt) / 1000).toFixed(1)}s\n`);
  const info: TestStack = {
    gatewayUrl: stack.gatewayUrl,
    serviceUrls: stack.serviceUrls,
    metricsUrls: stack.metricsUrls,
    kafkaBrokers: stack.kafkaBrokers,
    kafka: stack.kafkaBroker ? kafka : null,
    postgresServerUrl: stack.postgres.serverUrl,
    databaseSuffix,
    otlpReceiverPort,
    actorContextKeys: actorContextKeysSchema.parse(stack.actorContextKeys),
    stripe: {
      standInUrl: stack.stripe.standInUrl,
      webhookSecret: stack.stripe.webhookSecret,
      env: Object.fromEntries(
        Object.entries(stack.stripe.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
      ),
    },
    mail: {
      catcherUrl: stack.mail.catcherUrl as string,
      env: Object.fromEntries(
        Object.entries(stack.mail.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
      ),
    },
  };
  mkdirSync(new URL(".", STACK_FILE), { recursive: true });
  writeFileSync(STACK_FILE, JSON.stringify(info, null, 2));
  return stack;
}
