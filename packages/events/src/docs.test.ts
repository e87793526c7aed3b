import { readFileSync } from "node:fs";
import { describe, expect, test } from "@jest/globals";
import { eventsMarkdown } from "./docs.js";
import { EVENT_REGISTRY } from "./registry/index.js";

describe("docs/events.md", () => {
  test("is exactly what the registry generates (run `npm run docs:events`)", () => {
    const checkedIn = readFileSync(new URL("../../../docs/events.md", import.meta.url), "utf8");
    expect(checkedIn).toBe(eventsMarkdown());
  });

  test("has one section per registered type, in registry order", () => {
    const sections = eventsMarkdown()
      .split("\n")
      .map((line) => /^## `([a-z_.]+)`$/.exec(line)?.[1])
      .filter(Boolean);
    expect(sections).toEqual(Object.keys(EVENT_REGISTRY));
  });
});
