/**
 * Starts OpenTelemetry tracing in a service or the gateway, before the program itself loads
 * (docs/adr/0021). It runs as `node --import tsx --import <this file> src/server.ts`: under ESM the
 * instrumentations can patch `pg`, `kafkajs` and `node:http` only if import-in-the-middle's loader
 * hook is registered before those modules are first imported, which is what `--import` gives.
 *
 * Off unless `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, or
 * `OTEL_SDK_DISABLED=true`: then nothing is loaded, no hook is registered, and
 * `@opentelemetry/api` stays the no-op it is without an SDK.
 */
import { tracingSettings } from "./settings.js";

let settings: ReturnType<typeof tracingSettings>;
try {
  settings = tracingSettings(process.env, process.argv[1] ?? "");
} catch (error) {
  // As every service refuses a malformed variable: a message naming it, exit code 78.
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(78);
}
if (settings) {
  const { startTracing } = await import("./sdk.js");
  await startTracing(settings);
}
