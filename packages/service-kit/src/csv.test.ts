import { describe, expect, test } from "@jest/globals";
import { neutraliseCell } from "./csv.js";

describe("neutraliseCell", () => {
  test.each(['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])("%j opens as text", (cell) => {
    expect(neutraliseCell(cell)).toBe(`'${cell}`);
  });
  test.each(["Printer", "a=b", " =1", "", "1-2"])("%j is left as it is", (cell) => {
    expect(neutraliseCell(cell)).toBe(cell);
  });
});
