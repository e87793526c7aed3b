import { readFileSync } from "node:fs";
import { describe, expect, test } from "@jest/globals";
import { PERMISSION_CATALOGUE } from "./catalogue.js";
import { permissionsMarkdown } from "./docs.js";

describe("docs/permissions.md", () => {
  test("is exactly what the catalogue generates (run packages/permissions/scripts/write-docs.ts)", () => {
    const checkedIn = readFileSync(new URL("../../../docs/permissions.md", import.meta.url), "utf8");
    expect(checkedIn).toBe(permissionsMarkdown());
  });

  test("lists every permission of the catalogue once", () => {
    const markdown = permissionsMarkdown();
    for (const { permission } of PERMISSION_CATALOGUE) {
      expect(markdown.split(`| \`${permission}\` |`).length - 1).toBe(1);
    }
  });
});
