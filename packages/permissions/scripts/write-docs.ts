/** Writes docs/permissions.md from the catalogue: `npx tsx packages/permissions/scripts/write-docs.ts`. */
import { writeFileSync } from "node:fs";
import { permissionsMarkdown } from "../src/docs.js";

const target = new URL("../../../docs/permissions.md", import.meta.url);
writeFileSync(target, permissionsMarkdown());
process.stdout.write(`wrote ${target.pathname}\n`);
