/**
 * What the rest of the code needs of tracing (docs/adr/0021), on `@opentelemetry/api` alone: with
 * tracing off (no SDK registered by `register.ts`) every function here is the API's no-op, or
 * answers null.
 */
import { context, propagation, ROOT_CONTEXT, trace, type Context } from "@opentelemetry/api";

/** The span attribute holding the request id (`x-request-id`) of the request a span serves. */
export const REQUEST_ID_ATTRIBUTE = "request.id";

/** W3C trace context as text fields (`traceparent`, `tracestate`), as stored with an outbox row. */
export type TraceCarrier = Record<string, string>;

interface Flushable {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

// On globalThis: register.ts and the program may load this file as two module instances.
const PROVIDER = Symbol.for("support.tracing.provider");
type WithProvider = typeof globalThis & { [PROVIDER]?: Flushable };

/** Called by register.ts once the SDK is up. */
export function setTracerProvider(provider: Flushable): void {
  (globalThis as WithProvider)[PROVIDER] = provider;
}

/** Sends the spans not yet exported and stops the SDK; call before the process exits. Nothing when tracing is off. */
export async function shutdownTracing(): Promise<void> {
  await (globalThis as WithProvider)[PROVIDER]?.shutdown().catch(() => undefined);
}

/** Marks the active span (the HTTP server span of a request) with the request id. */
export function tagRequestSpan(requestId: string): void {
  trace.getActiveSpan()?.setAttribute(REQUEST_ID_ATTRIBUTE, requestId);
}

/** The trace id of the active span, for log lines; undefined outside traced work or with tracing off. */
export function activeTraceId(): string | undefined {
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const { traceId, traceFlags } = span.spanContext();
  // Unsampled or invalid contexts point at no trace anyone can find.
  return traceFlags & 1 ? traceId : undefined;
}

/**
 * The active context as W3C fields, or null when there is none worth carrying: tracing off,
 * outside traced work, or a trace not sampled (nothing downstream would record it, and rows without
 * a context are relayed together, docs/adr/0021).
 */
export function activeTraceCarrier(): TraceCarrier | null {
  if (activeTraceId() === undefined) return null;
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ? carrier : null;
}

/**
 * The context a carrier describes, to continue its trace. Only the W3C fields are read, and only
 * as trace context: a forged or malformed one yields an unrelated or no parent, never anything else.
 */
export function contextFromCarrier(carrier: Readonly<Record<string, unknown>> | null | undefined): Context {
  if (!carrier) return ROOT_CONTEXT;
  const fields: TraceCarrier = {};
  for (const name of ["traceparent", "tracestate"]) {
    const value = carrier[name];
    const text = Buffer.isBuffer(value) ? value.toString("latin1") : value;
    if (typeof text === "string" && text.length <= 512) fields[name] = text;
  }
  return propagation.extract(ROOT_CONTEXT, fields);
}

/** The trace id a carrier names, if it names a valid one. */
export function traceIdOf(carrier: Readonly<Record<string, unknown>> | null | undefined): string | null {
  const span = trace.getSpan(contextFromCarrier(carrier));
  return span && trace.isSpanContextValid(span.spanContext()) ? span.spanContext().traceId : null;
}

/** Runs `work` as a continuation of the trace a carrier describes (with no carrier, outside any trace). */
export function withTraceContext<T>(carrier: Readonly<Record<string, unknown>> | null | undefined, work: () => T): T {
  return context.with(contextFromCarrier(carrier), work);
}
