import { describe, expect, it } from "@jest/globals";
import { multiLineText, singleLineText } from "./text.js";

const name = singleLineText({ max: 20 });
const body = multiLineText({ max: 50 });

describe("singleLineText", () => {
  it("trims and accepts ordinary text, accents and emoji", () => {
    expect(name.parse("  Zoë Ünal 🚀 ")).toBe("Zoë Ünal 🚀");
  });

  it.each([
    ["NUL", "a\u0000b"],
    ["BEL", "a\u0007b"],
    ["ESC", "a\u001Bb"],
    ["DEL", "a\u007Fb"],
    ["C1 NEL", "a\u0085b"],
    ["line feed", "a\nb"],
    ["tab", "a\tb"],
    ["right-to-left override", "invoice\u202Egpj.exe"],
    ["right-to-left isolate", "a\u2067b"],
    ["right-to-left mark", "a\u200Fb"],
    ["line separator", "a\u2028b"],
  ])("refuses %s, naming the character", (_label, value) => {
    const result = name.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/control or bidirectional.*U\+[0-9A-F]{4}/);
  });

  it("refuses blank and too long", () => {
    expect(name.safeParse("   ").success).toBe(false);
    expect(name.safeParse("x".repeat(21)).success).toBe(false);
  });
});

describe("multiLineText", () => {
  it("keeps line breaks and tabs", () => {
    expect(body.parse("line one\r\n\tline two")).toBe("line one\r\n\tline two");
  });

  it("refuses NUL, ESC and bidi overrides", () => {
    for (const value of ["a\u0000", "a\u001B[31m", "a\u202Eb"]) expect(body.safeParse(value).success).toBe(false);
  });

  it("allows blank by default", () => {
    expect(body.parse("  ")).toBe("");
  });
});
