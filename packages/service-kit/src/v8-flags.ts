import { setFlagsFromString } from "node:v8";

/*
 * Imported first by every service's and the gateway's entry point (src/server.ts), before the
 * modules they load start allocating, so the flag holds for the whole process however it is
 * started (`npm start`, the tests' stacks, `node dist/server.js` in a deployment).
 *
 * V8's allocation-site pretenuring allocates objects straight into the old generation once the
 * objects a site made earlier tended to survive a young-generation collection. A request-serving
 * process makes that call on the wrong evidence: after a burst of long-lived allocations, the
 * sites that build every query's rows (node-postgres' row objects, their results) were tenured,
 * and each old-generation result then held its young rows, strings and dates alive through every
 * scavenge until the next full collection. The audit service promoted about 1.2 MB per scavenge
 * while serving activity log pages, with pauses of 3–4 ms at the median; with pretenuring off,
 * 0.1 MB and 1 ms (docs/adr/0032, BENCHMARKS.md, issue 25).
 */
setFlagsFromString("--no-allocation-site-pretenuring");
