import { describe, expect, test } from "@jest/globals";
import { z } from "zod";
import { EVENT_REGISTRY, type EventCategory, type EventDefinition } from "./index.js";

const CATEGORIES: Record<EventCategory, true> = {
  organisation: true,
  user: true,
  session: true,
  invitation: true,
  workspace: true,
  member: true,
  role: true,
  team: true,
  api_key: true,
  ticket: true,
  ticket_field: true,
  sla: true,
  notification: true,
  billing: true,
  workspace_data: true,
};

const entries = Object.entries(EVENT_REGISTRY as Record<string, EventDefinition>);

describe("the event registry", () => {
  test.each(entries)(
    "%s is complete: version, known category, target type, producer, description, object data",
    (type, d) => {
      expect(type).toMatch(/^[a-z_]+(\.[a-z_]+)+$/);
      expect(Number.isInteger(d.version) && d.version >= 1).toBe(true);
      expect(Object.hasOwn(CATEGORIES, d.category)).toBe(true);
      expect(d.targetType).toMatch(/^[a-z_]+$/);
      expect(["identity", "workspace", "ticketing", "billing", "audit"]).toContain(d.producer);
      expect(d.description.length).toBeGreaterThan(0);
      // `data` is always an object, and docs/events.md can describe it.
      expect(d.data).toBeInstanceOf(z.ZodObject);
      expect(() => z.toJSONSchema(d.data)).not.toThrow();
    },
  );

  test("copies kept from events can order them: every state-carrying event has an aggregateVersion", () => {
    const copied = [
      "user.signed_up",
      "user.created",
      "user.updated",
      "user.org_role_changed",
      "user.status_changed",
      "user.deleted",
      "billing.trial_started",
      "billing.plan_changed",
      "billing.seats_changed",
    ] as const;
    for (const type of copied) {
      expect(Object.keys((EVENT_REGISTRY[type].data as z.ZodObject).shape)).toContain("aggregateVersion");
    }
  });
});
