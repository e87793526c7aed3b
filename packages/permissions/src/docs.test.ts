import { readFileSync } from "node:fs";
import { describe, expect, test } from "@jest/globals";
import { PERMISSION_CATALOGUE } from "./catalogue.js";
import { permissionsMarkdown } from "./docs.js";

describe("docs/permissions.md", () => {
  test("is exactly what the catalogue generates (run packages/permissions/scripts/write-docs.ts)", () => {
    const checkedIn = readFileSync(new URL("../../../docs/permissions.md", import.meta.url), "utf8");
    expect(checkedIn).toBe(permissionsMarkdown());
  });

  test("has one row per permission of the catalogue, in catalogue order", () => {
    const rowNames = permissionsMarkdown()
      .split("\n")
      .map((line) => /^\| `([a-z_]+:[a-z_]+)` \|/.exec(line)?.[1])
      .filter(Boolean);
    expect(rowNames).toEqual(PERMISSION_CATALOGUE.map((p) => p.permission));
  });
});
