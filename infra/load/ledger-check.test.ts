import { describe, expect, test } from "@jest/globals";
import { matchStatusChanges } from "./ledger-check.js";

describe("matchStatusChanges: a client's successful status changes against the statuses its ticket went through", () => {
  test("each success a transition, in order", () => {
    expect(matchStatusChanges(["PENDING", "ON_HOLD"], ["OPEN", "PENDING", "ON_HOLD"])).toEqual({ transitions: 2 });
  });

  test("a success asking for the status the ticket still had is a no-op that logged nothing", () => {
    // Two attempts failed without committing; the third asked for OPEN, which a new ticket has.
    expect(matchStatusChanges(["OPEN"], ["OPEN"])).toEqual({ transitions: 0 });
    expect(matchStatusChanges(["PENDING", "PENDING", "SOLVED"], ["OPEN", "PENDING", "SOLVED"])).toEqual({
      transitions: 2,
    });
  });

  test("an extra logged transition (an attempt whose answer was cut off but committed) is no loss", () => {
    expect(matchStatusChanges(["PENDING", "OPEN"], ["OPEN", "PENDING", "ON_HOLD", "OPEN"])).toEqual({
      transitions: 2,
    });
  });

  test("a success the log does not have, or has only in another order, is caught", () => {
    expect(matchStatusChanges(["PENDING"], ["OPEN"])).toBeUndefined();
    expect(matchStatusChanges(["ON_HOLD", "PENDING"], ["OPEN", "PENDING", "ON_HOLD"])).toBeUndefined();
  });
});
