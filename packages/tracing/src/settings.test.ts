import { describe, expect, test } from "@jest/globals";
import { tracingSettings } from "./settings.js";

describe("tracing is configured from the standard OTEL_* variables", () => {
  test("off without an OTLP endpoint, or when disabled", () => {
    expect(tracingSettings({}, "/app/services/audit/src/server.ts")).toBeNull();
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: " " }, "")).toBeNull();
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_SDK_DISABLED: "true" }, "")).toBeNull();
  });

  test("on with an endpoint: the service is named after its entry point unless OTEL_SERVICE_NAME says otherwise", () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" };
    expect(tracingSettings(env, "/app/services/ticketing/src/server.ts")).toEqual({
      serviceName: "ticketing",
      sampler: { name: "parentbased_always_on", ratio: 1 },
      scheduledDelayMillis: 5_000,
      protocol: "http/protobuf",
    });
    expect(tracingSettings(env, "/work/repo/gateway/src/server.ts")?.serviceName).toBe("gateway");
    // The builds production runs (docs/adr/0022) are named the same way.
    expect(tracingSettings(env, "/app/services/billing/dist/server.js")?.serviceName).toBe("billing");
    expect(tracingSettings(env, "/work/repo/gateway/dist/server.js")?.serviceName).toBe("gateway");
    expect(tracingSettings({ ...env, OTEL_SERVICE_NAME: "edge" }, "/x/gateway/src/server.ts")?.serviceName).toBe(
      "edge",
    );
    expect(
      tracingSettings(
        {
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c:4318/v1/traces",
          OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
          OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
          OTEL_TRACES_SAMPLER_ARG: "0.25",
          OTEL_BSP_SCHEDULE_DELAY: "200",
        },
        "services/audit/src/server.ts",
      ),
    ).toEqual({
      serviceName: "audit",
      sampler: { name: "parentbased_traceidratio", ratio: 0.25 },
      scheduledDelayMillis: 200,
      protocol: "http/json",
    });
  });

  test("a value it cannot honour is refused, naming the variable", () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" };
    expect(() => tracingSettings({ ...env, OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }, "")).toThrow(
      /OTEL_EXPORTER_OTLP_PROTOCOL/,
    );
    expect(() => tracingSettings({ ...env, OTEL_TRACES_SAMPLER: "sometimes" }, "")).toThrow(/OTEL_TRACES_SAMPLER/);
    expect(() => tracingSettings({ ...env, OTEL_TRACES_SAMPLER_ARG: "2" }, "")).toThrow(/OTEL_TRACES_SAMPLER_ARG/);
  });
});
