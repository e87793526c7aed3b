/** What `register.ts` needs to decide: whether tracing is on, and under which service name. */
export interface TracingSettings {
  serviceName: string;
  /** How long finished spans wait before they are sent (`OTEL_BSP_SCHEDULE_DELAY`, default 5000 ms). */
  scheduledDelayMillis: number;
  /** `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, else `OTEL_EXPORTER_OTLP_PROTOCOL`: `http/protobuf` (default) or `http/json`. */
  protocol: "http/protobuf" | "http/json";
  /** `OTEL_TRACES_SAMPLER` (default `parentbased_always_on`) and its `OTEL_TRACES_SAMPLER_ARG` (a ratio, default 1). */
  sampler: { name: SamplerName; ratio: number };
}

export const SAMPLERS = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
] as const;
export type SamplerName = (typeof SAMPLERS)[number];

/**
 * Tracing is on when an OTLP endpoint is configured (`OTEL_EXPORTER_OTLP_ENDPOINT`, or the
 * traces-only `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) and `OTEL_SDK_DISABLED` is not `true`; null
 * otherwise. The service is `OTEL_SERVICE_NAME`, else named after the entry point
 * (`services/<name>/src/server.ts`, `gateway/src/server.ts`, or their builds' `dist/server.js`),
 * so `npm start`, the tests and compose need not set it.
 */
export function tracingSettings(env: NodeJS.ProcessEnv, entry: string): TracingSettings | null {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return null;
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim()) return null;
  const fromEntry = /(?:^|\/)(?:services\/([a-z-]+)|(gateway))\/(?:src|dist)\//.exec(entry.replaceAll("\\", "/"));
  const serviceName = env.OTEL_SERVICE_NAME?.trim() || fromEntry?.[1] || fromEntry?.[2] || "support-platform";
  const delay = Number(env.OTEL_BSP_SCHEDULE_DELAY);
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL)?.trim();
  if (protocol && protocol !== "http/protobuf" && protocol !== "http/json") {
    // grpc would need another exporter and its dependencies; refuse it rather than send nothing.
    throw new Error(`OTEL_EXPORTER_OTLP_PROTOCOL: "${protocol}" is not supported here; use http/protobuf or http/json`);
  }
  const sampler = SAMPLERS.find((name) => name === (env.OTEL_TRACES_SAMPLER?.trim() || "parentbased_always_on"));
  if (!sampler) {
    throw new Error(`OTEL_TRACES_SAMPLER: "${env.OTEL_TRACES_SAMPLER}" is not one of ${SAMPLERS.join(", ")}`);
  }
  const ratio = env.OTEL_TRACES_SAMPLER_ARG?.trim() ? Number(env.OTEL_TRACES_SAMPLER_ARG) : 1;
  if (!(ratio >= 0 && ratio <= 1))
    throw new Error(`OTEL_TRACES_SAMPLER_ARG: a ratio from 0 to 1, not "${env.OTEL_TRACES_SAMPLER_ARG}"`);
  return {
    serviceName,
    sampler: { name: sampler, ratio },
    scheduledDelayMillis: Number.isFinite(delay) && delay > 0 ? delay : 5_000,
    protocol: protocol === "http/json" ? "http/json" : "http/protobuf",
  };
}
