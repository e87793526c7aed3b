import { beforeAll, describe, expect, test } from "@jest/globals";
import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { AlwaysOnSampler, TracerProvider } from "@opentelemetry/sdk-trace";
import { activeTraceCarrier, activeTraceId, contextFromCarrier, traceIdOf, withTraceContext } from "./index.js";

const TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
const sampled = `00-${TRACE_ID}-b7ad6b7169203331-01`;
const unsampled = `00-${TRACE_ID}-b7ad6b7169203331-00`;

describe("with no SDK registered (tracing off)", () => {
  test("nothing is carried and no trace id is reported", () => {
    expect(activeTraceCarrier()).toBeNull();
    expect(activeTraceId()).toBeUndefined();
    expect(traceIdOf({ traceparent: sampled })).toBeNull();
  });
});

describe("with the SDK's context manager and W3C propagation", () => {
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(new TracerProvider({ sampler: new AlwaysOnSampler() }));
  });

  test("work continued from a carrier is in its trace, and what it writes carries that trace on", async () => {
    const carried = await withTraceContext({ traceparent: sampled }, async () => {
      await Promise.resolve();
      return trace.getTracer("test").startActiveSpan("work", (span) => {
        const inside = { traceId: activeTraceId(), carrier: activeTraceCarrier() };
        span.end();
        return inside;
      });
    });
    expect(carried.traceId).toBe(TRACE_ID);
    expect(carried.carrier?.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
  });

  test("an unsampled trace is not carried; Kafka's Buffer headers are read; junk yields no parent", () => {
    expect(withTraceContext({ traceparent: unsampled }, () => activeTraceCarrier())).toBeNull();
    expect(traceIdOf({ traceparent: Buffer.from(sampled) })).toBe(TRACE_ID);
    expect(traceIdOf({ traceparent: "not a trace" })).toBeNull();
    expect(traceIdOf({ traceparent: "x".repeat(600) })).toBeNull();
    expect(trace.getSpan(contextFromCarrier(null))).toBeUndefined();
  });
});
