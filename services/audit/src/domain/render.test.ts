import { describe, expect, test } from "@jest/globals";
import { EVENT_REGISTRY, type EventType } from "@support/events";
import { RENDERED_TYPES, summaryOf } from "./render.js";

describe("every registry type is rendered", () => {
  test("the audit service knows how to show each type of the typed event registry, and no other", () => {
    expect([...RENDERED_TYPES].sort()).toEqual(Object.keys(EVENT_REGISTRY).sort());
  });

  test.each(Object.keys(EVENT_REGISTRY) as EventType[])("%s reads as a sentence about its target", (type) => {
    const summary = summaryOf({ type, target: { type: EVENT_REGISTRY[type].targetType, id: "x1", label: "Label" } });
    expect(summary).toMatch(new RegExp(`^[a-z].* ${EVENT_REGISTRY[type].targetType} "Label"$`));
  });
});
