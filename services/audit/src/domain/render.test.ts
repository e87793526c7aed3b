import { describe, expect, test } from "@jest/globals";
import { EVENT_REGISTRY, type EventType } from "@support/events";
import { RENDERED_TYPES, nounOf, summaryOf } from "./render.js";

describe("every registry type is rendered", () => {
  test("the audit service knows how to show each type of the typed event registry, and no other", () => {
    expect([...RENDERED_TYPES].sort()).toEqual(Object.keys(EVENT_REGISTRY).sort());
  });

  test.each(Object.keys(EVENT_REGISTRY) as EventType[])(
    "%s reads as a sentence about its target, naming its kind once and never an internal name",
    (type) => {
      const targetType = EVENT_REGISTRY[type].targetType;
      const summary = summaryOf({ type, target: { type: targetType, id: "x1", label: "Label" } });
      expect(summary).toMatch(/^[a-z]/);
      // No snake_case type names, no id, the noun not repeated ("the ticket ticket").
      expect(summary).not.toMatch(/[a-z]_[a-z]|x1/);
      const noun = nounOf(targetType);
      expect(summary.split(noun).length - 1).toBeLessThanOrEqual(1);
      expect(summary).not.toMatch(/\{[tl]\}/);
      // What people do to their own account reads without naming it ("logged in"); the rest names the target.
      const selfActs = ["user.signed_up", "user.logged_in", "user.password_reset"];
      if (!selfActs.includes(type)) expect(summary).toContain('"Label"');
    },
  );

  test("the summaries the issue showed read once", () => {
    const ticket = { type: "ticket", id: "t1", label: "#16 Printer on fire" };
    expect(summaryOf({ type: "ticket.assigned", target: ticket })).toBe('assigned the ticket "#16 Printer on fire"');
    expect(
      summaryOf({ type: "ticket_field.created", target: { type: "ticket_field", id: "f1", label: "Product" } }),
    ).toBe('created the ticket field "Product"');
    expect(summaryOf({ type: "ticket.status_changed", target: ticket })).toBe(
      'changed the status of ticket "#16 Printer on fire"',
    );
    expect(
      summaryOf({ type: "billing.seats_changed", target: { type: "billing_account", id: "w1", label: "Support" } }),
    ).toBe('changed the seats of workspace "Support"');
    // Redacted or never labelled: the noun alone, never the id.
    expect(summaryOf({ type: "ticket.assigned", target: { ...ticket, label: null } })).toBe("assigned the ticket");
    expect(summaryOf({ type: "member.added", target: { type: "member", id: "u1", label: null } })).toBe(
      "added a member to the workspace",
    );
  });
});
