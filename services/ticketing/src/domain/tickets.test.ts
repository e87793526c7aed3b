import { describe, expect, test } from "@jest/globals";
import { decodeCursor, encodeCursor, isInScope, slaTimes, slaWarningRecipient, ticketScope } from "./tickets.js";
import { applyFieldValues, checkFieldValue, checkOptions, type FieldDefinition } from "./fields.js";

const me = "11111111-1111-4111-8111-111111111111";
const other = "22222222-2222-4222-8222-222222222222";
const team = "33333333-3333-4333-8333-333333333333";

describe("ticket access scopes", () => {
  test("ALL sees everything; ASSIGNED_TO_ME only direct assignments; with teams also the caller's teams", () => {
    const mine = { assigneeId: me, teamId: null };
    const teams = { assigneeId: other, teamId: team };
    const nobody = { assigneeId: null, teamId: null };
    const all = ticketScope({ ticketAccess: "ALL", teamIds: [team] }, me);
    const direct = ticketScope({ ticketAccess: "ASSIGNED_TO_ME", teamIds: [team] }, me);
    const withTeams = ticketScope({ ticketAccess: "ASSIGNED_TO_ME_OR_MY_TEAMS", teamIds: [team] }, me);
    expect([mine, teams, nobody].map((t) => isInScope(t, all))).toEqual([true, true, true]);
    expect([mine, teams, nobody].map((t) => isInScope(t, direct))).toEqual([true, false, false]);
    expect([mine, teams, nobody].map((t) => isInScope(t, withTeams))).toEqual([true, true, false]);
  });

  test("an actor without a user id (an API key with a narrow scope) sees no assigned-to-me tickets", () => {
    expect(
      isInScope({ assigneeId: me, teamId: null }, ticketScope({ ticketAccess: "ASSIGNED_TO_ME", teamIds: [] }, null)),
    ).toBe(false);
  });
});

describe("SLA", () => {
  const opened = new Date("2026-01-01T00:00:00Z");
  test("due after the policy's hours, warning lead minutes before; no policy or blank hours means none", () => {
    expect(slaTimes({ hours: 4, warningLeadMinutes: 30 }, opened)).toEqual({
      dueAt: new Date("2026-01-01T04:00:00Z"),
      warnAt: new Date("2026-01-01T03:30:00Z"),
    });
    expect(slaTimes({ hours: null, warningLeadMinutes: 30 }, opened)).toBeNull();
    expect(slaTimes(null, opened)).toBeNull();
  });
  test("a lead longer than the SLA warns at once", () => {
    expect(slaTimes({ hours: 1, warningLeadMinutes: 120 }, opened)?.warnAt).toEqual(opened);
  });
  test("the warning goes to the assignee, falling back to the creator", () => {
    expect(slaWarningRecipient("ASSIGNEE_OR_CREATOR", { assigneeId: null, creatorId: other })).toBe(other);
    expect(slaWarningRecipient("ASSIGNEE_OR_CREATOR", { assigneeId: me, creatorId: other })).toBe(me);
    expect(slaWarningRecipient("ASSIGNEE", { assigneeId: null, creatorId: other })).toBeNull();
  });
});

describe("cursors", () => {
  test("round-trip, and refuse a cursor of another sort or a forged one", () => {
    const cursor = { sort: "CREATED_AT" as const, key: "2026-01-01T00:00:00.000Z", id: me };
    expect(decodeCursor(encodeCursor(cursor), "CREATED_AT")).toEqual(cursor);
    expect(decodeCursor(encodeCursor(cursor), "PRIORITY")).toBeNull();
    expect(decodeCursor("not a cursor", "CREATED_AT")).toBeNull();
    expect(decodeCursor(Buffer.from('["CREATED_AT","x","y"]').toString("base64url"), "CREATED_AT")).toBeNull();
    const due = { sort: "SLA_DUE_AT" as const, key: null, id: me };
    expect(decodeCursor(encodeCursor(due), "SLA_DUE_AT")).toEqual(due);
  });
});

describe("custom field values", () => {
  const select: FieldDefinition = { id: me, type: "SINGLE_SELECT", options: ["Low", "High"] };
  const number: FieldDefinition = { id: other, type: "NUMBER", options: [] };
  const date: FieldDefinition = { id: team, type: "DATE", options: [] };

  test("a value must use the member of its field's type and fit its options", () => {
    expect(checkFieldValue(select, { fieldId: me, option: "High" })).toEqual({ ok: true, value: "High" });
    expect(checkFieldValue(select, { fieldId: me, option: "Medium" }).ok).toBe(false);
    expect(checkFieldValue(number, { fieldId: other, text: "12" }).ok).toBe(false);
    expect(checkFieldValue(number, { fieldId: other, number: 12.5 })).toEqual({ ok: true, value: 12.5 });
    expect(checkFieldValue(date, { fieldId: team, date: "2026-02-30" }).ok).toBe(false);
    expect(checkFieldValue(date, { fieldId: team, date: "2026-02-28" })).toEqual({ ok: true, value: "2026-02-28" });
  });

  test("all members null clears the value; an unknown field is refused with its path", () => {
    const fields = new Map([[me, select]]);
    expect(applyFieldValues({ [me]: "Low" }, [{ fieldId: me }], fields)).toEqual({ ok: true, values: {} });
    expect(applyFieldValues({}, [{ fieldId: other, number: 1 }], fields)).toEqual({
      ok: false,
      path: "fieldValues.0.fieldId",
      message: "no such ticket field in this workspace",
    });
  });

  test("options belong to select fields only, non-empty and unique", () => {
    expect(checkOptions("SINGLE_SELECT", [])).not.toBeNull();
    expect(checkOptions("SINGLE_SELECT", ["a", "a"])).not.toBeNull();
    expect(checkOptions("TEXT", ["a"])).not.toBeNull();
    expect(checkOptions("SINGLE_SELECT", ["a", "b"])).toBeNull();
  });
});
