/** Writes docs/events.md from the event registry: `npm run docs:events`. */
import { writeFileSync } from "node:fs";
import { eventsMarkdown } from "../src/docs.js";

const target = new URL("../../../docs/events.md", import.meta.url);
writeFileSync(target, eventsMarkdown());
process.stdout.write(`wrote ${target.pathname}\n`);
