import { describe, expect, test } from "@jest/globals";
import { corsOrigins } from "./config.js";
import { CORS_ALLOWED_HEADERS, originAllowed, preflightVerdict } from "./cors.js";

const allowed = new Set(["http://localhost:5173", "https://app.example.com"]);
const graphqlRoute = { url: "/graphql", methods: ["GET", "POST"] };

describe("CORS_ORIGINS", () => {
  test("exact origins, comma-separated, duplicates once; empty allows none", () => {
    expect(corsOrigins.parse(" http://localhost:5173 ,https://app.example.com,http://localhost:5173")).toEqual([
      "http://localhost:5173",
      "https://app.example.com",
    ]);
    expect(corsOrigins.parse("")).toEqual([]);
    expect(corsOrigins.parse(undefined)).toEqual([]);
  });

  test.each([
    "*",
    "null",
    "localhost:5173",
    "http://localhost:5173/",
    "http://localhost:5173/app",
    "HTTP://LOCALHOST:5173",
    "http://localhost:80",
    "https://user:pw@app.example.com",
    "ftp://app.example.com",
    "http://localhost:5173?x=1",
  ])("refuses %s, naming what an origin is", (value) => {
    const result = corsOrigins.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/exact origin/);
  });
});

describe("the CORS verdict", () => {
  test("an allowed origin's preflight gets its own origin back, never *, with credentials", () => {
    const verdict = preflightVerdict(
      allowed,
      graphqlRoute,
      "http://localhost:5173",
      "POST",
      "Content-Type, Authorization",
    );
    expect(verdict).toMatchObject({
      "access-control-allow-origin": "http://localhost:5173",
      "access-control-allow-credentials": "true",
      "access-control-allow-methods": "GET, POST, OPTIONS",
      "access-control-max-age": "600",
    });
    expect(verdict?.["access-control-allow-headers"]?.split(", ")).toEqual([...CORS_ALLOWED_HEADERS]);
    expect(verdict?.vary).toMatch(/Origin/);
  });

  test.each([
    ["another origin", "http://evil.example", "POST", "content-type"],
    ["Origin null (sandboxed iframes, file:)", "null", "POST", "content-type"],
    ["a trailing slash", "http://localhost:5173/", "POST", "content-type"],
    ["another port", "http://localhost:5174", "POST", "content-type"],
    ["upper case", "http://LOCALHOST:5173", "POST", "content-type"],
    ["another scheme", "https://localhost:5173", "POST", "content-type"],
    ["a suffix", "http://localhost:5173.evil.example", "POST", "content-type"],
    ["no origin", undefined, "POST", "content-type"],
    ["a method the route does not take", "http://localhost:5173", "DELETE", "content-type"],
    ["no requested method", "http://localhost:5173", undefined, "content-type"],
    ["a header the gateway does not accept", "http://localhost:5173", "POST", "content-type, x-evil"],
  ])("refuses %s", (_, origin, method, headers) => {
    expect(preflightVerdict(allowed, graphqlRoute, origin, method, headers)).toBeNull();
  });

  test("a download route takes GET only", () => {
    const route = { url: "/downloads/:service/:token", methods: ["GET"] };
    expect(preflightVerdict(allowed, route, "https://app.example.com", "GET", undefined)).not.toBeNull();
    expect(preflightVerdict(allowed, route, "https://app.example.com", "POST", undefined)).toBeNull();
  });

  test("origins match exactly", () => {
    expect(originAllowed(allowed, "https://app.example.com")).toBe(true);
    expect(originAllowed(allowed, "https://app.example.com:443")).toBe(false);
    expect(originAllowed(allowed, undefined)).toBe(false);
  });
});
