import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { BoundedLabel, beforeScrape, metrics, serveMetrics, type MetricsServer } from "./index.js";

const quiet = { warn: () => undefined, info: () => undefined };

describe("the metrics listener", () => {
  let open: MetricsServer;
  let guarded: MetricsServer;
  const token = "a-scraper-token-of-some-length";

  beforeAll(async () => {
    metrics.gatewayErrors().inc({ code: "FORBIDDEN" });
    open = await serveMetrics({ port: 0, host: "127.0.0.1", logger: quiet });
    guarded = await serveMetrics({ port: 0, host: "127.0.0.1", token, logger: quiet });
  });
  afterAll(async () => {
    await open.close();
    await guarded.close();
  });

  test("serves the registry at GET /metrics, after the scrape hooks ran", async () => {
    let ran = 0;
    const stop = beforeScrape(async () => {
      ran += 1;
    });
    const response = await fetch(`http://127.0.0.1:${open.port}/metrics`);
    stop();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await response.text()).toContain('support_gateway_errors_total{code="FORBIDDEN"} 1');
    expect(ran).toBe(1);
  });

  test("a hook that fails or hangs does not fail the scrape", async () => {
    const stops = [
      beforeScrape(async () => {
        throw new Error("database down");
      }),
      beforeScrape(() => new Promise<void>(() => undefined)),
    ];
    const response = await fetch(`http://127.0.0.1:${open.port}/metrics`);
    for (const stop of stops) stop();
    expect(response.status).toBe(200);
  }, 10_000);

  test("answers nothing else", async () => {
    for (const path of ["/", "/graphql", "/metrics/", "/%6detrics", "//metrics"]) {
      const response = await fetch(`http://127.0.0.1:${open.port}${path}`);
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
    }
    const posted = await fetch(`http://127.0.0.1:${open.port}/metrics`, { method: "POST" });
    expect(posted.status).toBe(405);
  });

  test("with METRICS_TOKEN, only a scrape with the bearer token is answered", async () => {
    const url = `http://127.0.0.1:${guarded.port}/metrics`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: `Bearer ${token}x` } })).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: token } })).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });
});

describe("BoundedLabel", () => {
  test("keeps the first names up to its cap, then says (other); never a name that is not one", () => {
    const label = new BoundedLabel(2);
    expect(label.of("First")).toBe("First");
    expect(label.of("Second")).toBe("Second");
    expect(label.of("Third")).toBe("(other)");
    expect(label.of("First")).toBe("First");
    expect(new BoundedLabel(10).of('a"b')).toBe("(other)");
    expect(new BoundedLabel(10).of("x".repeat(65))).toBe("(other)");
  });
});
