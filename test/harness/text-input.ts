import { expect } from "@jest/globals";
import { errorCodes, type GraphQLResponse } from "./stack.js";

/**
 * Text that no name or free-text field may store (@support/validation): NUL (PostgreSQL cannot
 * store it), other C0 control characters (BEL, and ESC as terminals read it), and the
 * right-to-left override that makes `invoice\u202Egpj.exe` display as `invoiceexe.jpg`, and lone
 * UTF-16 surrogates.
 */
export const FORBIDDEN_TEXT: ReadonlyArray<{ label: string; value: string }> = [
  { label: "NUL", value: "Ada\u0000Lovelace" },
  { label: "BEL", value: "Ada\u0007" },
  { label: "ESC", value: "Ada\u001B[31mred" },
  { label: "right-to-left override", value: "invoice\u202Egpj.exe" },
  // Half of a UTF-16 pair: PostgreSQL would store it altered, as U+FFFD (issue 19).
  { label: "lone high surrogate", value: "Ada\uD83DLovelace" },
  { label: "lone low surrogate", value: "\uDE00Ada" },
];

/**
 * For one text field of one mutation: each forbidden value is BAD_USER_INPUT whose message names
 * the field, and `snapshot` (what the mutation would have changed) reads the same before and
 * after, so nothing was stored. `send` must build an otherwise valid call, so that the text is
 * the only reason for a refusal. Reused by every service's suite (ticketing, billing, …).
 */
export async function expectTextRefused(options: {
  /** The field as the error names it, e.g. `firstName` or `description`. */
  field: string;
  send: (value: string) => Promise<GraphQLResponse<unknown>>;
  snapshot: () => Promise<unknown>;
}): Promise<void> {
  const before = await options.snapshot();
  for (const { label, value } of FORBIDDEN_TEXT) {
    const result = await options.send(value);
    const message = result.errors?.[0]?.message ?? "";
    // The label rides along so that a failure says which character got through.
    expect({ label, codes: errorCodes(result) }).toEqual({ label, codes: ["BAD_USER_INPUT"] });
    expect({ label, namesField: new RegExp(`\\b${options.field}\\b`).test(message), message }).toEqual({
      label,
      namesField: true,
      message,
    });
  }
  expect(await options.snapshot()).toEqual(before);
}
