import { describe, expect, test } from "@jest/globals";
import { assignmentRecipient, notificationCursorCodec } from "./notifications.js";
import { replyCursorCodec } from "./tickets.js";

const me = "11111111-1111-4111-8111-111111111111";
const other = "22222222-2222-4222-8222-222222222222";

describe("who is told of an assignment", () => {
  test.each([
    ["a new assignee, by someone else", null, other, me, other],
    ["a ticket opened for someone else", null, other, null, other],
    ["a reassignment to someone else", me, other, me, other],
    ["a self-assignment", null, me, me, null],
    ["an unchanged assignee (a team-only change or a replay)", other, other, me, null],
    ["a cleared assignee", other, null, me, null],
  ])("%s", (_, before, after, actor, told) => {
    expect(assignmentRecipient(before === null ? null : { assigneeId: before }, { assigneeId: after }, actor)).toBe(
      told,
    );
  });
});

describe("notification cursors", () => {
  test("round-trip, and another list's cursor of the same shape is not one", () => {
    const key: [string, string] = ["2026-12-03T14:02:11.123Z", me];
    expect(notificationCursorCodec.decode(notificationCursorCodec.encode(key))).toEqual(key);
    expect(notificationCursorCodec.decode(replyCursorCodec.encode(key))).toBeNull();
    expect(notificationCursorCodec.decode("not a cursor")).toBeNull();
  });
});
