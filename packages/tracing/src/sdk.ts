import { register } from "node:module";
import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { KafkaJsInstrumentation } from "@opentelemetry/instrumentation-kafkajs";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { UndiciInstrumentation } from "@opentelemetry/instrumentation-undici";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
  type SpanExporter,
} from "@opentelemetry/sdk-trace";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import { createAddHookMessageChannel } from "import-in-the-middle";
import { setTracerProvider } from "./index.js";
import type { TracingSettings } from "./settings.js";

/** Probes and polls: a span per `/health` or `/ready` call would bury the requests. */
const UNTRACED_PATHS = new Set(["/health", "/ready"]);

/**
 * The SDK with OTLP over HTTP (protobuf) and the instrumentations of what crosses a process or
 * reaches the database: incoming and outgoing HTTP (`node:http`), `fetch` and undici (the
 * gateway's subgraph fetches, the services' permission and internal calls), `pg` (Prisma's
 * driver adapter and our own pools) and kafkajs (the relay's sends, consumers' batches).
 */
export async function startTracing(settings: TracingSettings): Promise<void> {
  // import-in-the-middle's hook, told only of the modules the instrumentations below patch (the
  // message channel), so every other module loads untouched.
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register("import-in-the-middle/hook.mjs", import.meta.url, registerOptions);

  const provider = new TracerProvider({
    sampler: samplerOf(settings.sampler),
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: await otlpExporter(settings.protocol),
        scheduledDelayMillis: settings.scheduledDelayMillis,
      }),
    ],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  setTracerProvider(provider);

  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has((request.url ?? "").split("?")[0] ?? ""),
      }),
      new UndiciInstrumentation({
        ignoreRequestHook: (request) => UNTRACED_PATHS.has(request.path.split("?")[0] ?? ""),
      }),
      // A statement outside any traced work (the relay's polls, timers) would be a trace of its own.
      new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
      new KafkaJsInstrumentation(),
    ],
  });
  await waitForAllMessagesAcknowledged();
}

/** OTLP over HTTP in protobuf (the default), or in JSON with `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`. Both read the endpoint and headers from the environment. */
async function otlpExporter(protocol: TracingSettings["protocol"]): Promise<SpanExporter> {
  if (protocol === "http/json") {
    const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
    return new OTLPTraceExporter();
  }
  const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-proto");
  return new OTLPTraceExporter();
}

/** The standard `OTEL_TRACES_SAMPLER` values. */
function samplerOf({ name, ratio }: TracingSettings["sampler"]): Sampler {
  const root = name.endsWith("always_on")
    ? new AlwaysOnSampler()
    : name.endsWith("always_off")
      ? new AlwaysOffSampler()
      : new TraceIdRatioBasedSampler(ratio);
  return name.startsWith("parentbased_") ? new ParentBasedSampler({ root }) : root;
}
