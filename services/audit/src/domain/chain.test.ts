import { describe, expect, test } from "@jest/globals";
import { EVENT_REGISTRY, type EventType } from "@support/events";
import { categoryOf } from "./chain.js";

describe("categoryOf", () => {
  test.each(Object.keys(EVENT_REGISTRY) as EventType[])("%s has the category its registry entry declares", (type) => {
    expect(categoryOf(type)).toBe(EVENT_REGISTRY[type].category);
    expect(categoryOf(type)).toMatch(/^[a-z_]+$/);
  });
});
