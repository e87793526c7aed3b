/**
 * Where a process's CPU time went, from a V8 `.cpuprofile` (`node --cpu-prof`, e.g. any process of
 * `STACK_CPU_PROFILE_DIR=<dir> npm run bench:graph`, in `<dir>/<process>/`): self time summed by category (the package or
 * part of Node a function's script belongs to, see CATEGORIES) and the functions with the most self
 * time. Idle and garbage collection are shown apart.
 *
 *   npx tsx bench/profile-summary.ts <file.cpuprofile> [top functions, default 30]
 *   npx tsx bench/profile-summary.ts <file.cpuprofile> --timeline           # busy share per second
 *   npx tsx bench/profile-summary.ts <file.cpuprofile> --from 40 --to 55    # only those seconds
 *
 * A bench run measures several targets in turn, so a process is busy in some seconds and idle in
 * others: `--timeline` shows which, `--from`/`--to` (seconds since the profile started) keep one.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * First match wins: a script's URL (or a function's name for V8's own entries) → a category. A
 * sample whose own function is native or Node's (a socket write, JSON.parse, a hash) is charged to
 * the nearest caller with a category of its own, so a write is the HTTP server's or the subgraph
 * client's; a sample under the Kafka feed or under module loading is charged to those whatever it is.
 */
const CATEGORIES: Array<[RegExp, string]> = [
  [/^\((idle|program)\)$/, "idle / program"],
  [/^\(garbage collector\)$/, "garbage collection"],
  [/kafkajs/, "Kafka invalidation feed (kafkajs; per second, not per request)"],
  [/modules\/(esm|cjs)|tsx\/dist|compileSourceTextModule|wrapSafe/, "start-up (module loading, tsx)"],
  // src/ under tsx, dist/ for a build (SUPPORT_RUN_BUILT=1).
  [/gateway\/(src|dist)\/subgraph|subgraph-source/, "HTTP client to subgraphs (ours + undici)"],
  [/gateway\/(src|dist)\//, "ours: gateway/src (auth, limits, metrics plugin, errors)"],
  [/packages\/actor-context\/|\/jose\//, "signing the actor context"],
  [/packages\/logger\/|\/pino|sonic-boom|fast-redact|thread-stream/, "logging"],
  [/packages\/metrics\/|prom-client|tdigest|bintrees/, "metrics"],
  [/opentelemetry/, "tracing (OpenTelemetry API, no-op)"],
  [/@apollo\/query-planner/, "query planning"],
  [/@apollo\/federation-internals/, "federation-internals (operation building per request)"],
  [
    /@apollo\/gateway\/dist\/(executeQueryPlan|resultShaping|dataRewrites|utilities\/deepMerge)/,
    "plan execution / result shaping",
  ],
  [
    /@apollo\/gateway\/dist\/datasources|node-fetch|make-fetch-happen/,
    "data source (RemoteGraphQLDataSource, node-fetch)",
  ],
  [/@apollo\/gateway/, "gateway executor (other)"],
  [/@apollo\/usage-reporting-protobuf|protobufjs/, "usage-reporting protobuf (trace nodes)"],
  [/graphql\/(language|validation)\//, "parsing / validation (graphql-js)"],
  [/graphql\/(execution|utilities|type|jsutils)\//, "graphql-js execution / utilities"],
  [/graphql-armor/, "graphql-armor"],
  [/undici/, "HTTP client to subgraphs (ours + undici)"],
  [/@apollo\/server|@as-integrations|@apollo\/utils|negotiator/, "Apollo Server request pipeline"],
  [
    /fastify|find-my-way|avvio|light-my-request|@fastify|node:_http_server|_http_outgoing/,
    "HTTP server (Fastify, node:http)",
  ],
  [/lru-cache/, "lru-cache"],
  [/zod/, "zod"],
  [/^node:|^internal\//, "Node internals (net, streams, timers)"],
  [/^$/, "native / V8 builtins (JSON, crypto, regexp)"],
];

const UNOWNED = new Set(["native / V8 builtins (JSON, crypto, regexp)", "Node internals (net, streams, timers)"]);
const OVERRIDING = new Set([
  "Kafka invalidation feed (kafkajs; per second, not per request)",
  "start-up (module loading, tsx)",
]);

function categoryOf(frame: ProfileNode["callFrame"]): string {
  const key = frame.url || (frame.functionName.startsWith("(") ? frame.functionName : frame.functionName);
  for (const [pattern, category] of CATEGORIES) if (pattern.test(frame.url) || pattern.test(key)) return category;
  return "other packages";
}

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: { timeline: { type: "boolean" }, from: { type: "string" }, to: { type: "string" } },
});
const [file, topArgument] = positionals;
if (!file)
  throw new Error("usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [top] [--timeline] [--from s --to s]");
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const IDLE_NAMES = new Set(["(idle)", "(program)"]);
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

/** The sample's category: see CATEGORIES. */
function chargedTo(id: number): string {
  const own = byId.get(id);
  if (!own) return "other packages";
  let charged = categoryOf(own.callFrame);
  let owned = !UNOWNED.has(charged);
  for (let at = parentOf.get(id); at !== undefined; at = parentOf.get(at)) {
    const frame = byId.get(at)?.callFrame;
    if (!frame) break;
    const category = categoryOf(frame);
    if (OVERRIDING.has(category)) return category;
    if (!owned && !UNOWNED.has(category)) {
      charged = category;
      owned = true;
    }
  }
  return charged;
}
/** Each sample's time since the profile started, in seconds. */
const sampledAt: number[] = [];
let elapsedUs = 0;
for (const delta of profile.timeDeltas) sampledAt.push((elapsedUs += delta) / 1e6);

if (options.timeline) {
  const busyPerSecond: number[] = [];
  profile.samples.forEach((id, index) => {
    const second = Math.floor(sampledAt[index] ?? 0);
    const busy = !IDLE_NAMES.has(byId.get(id)?.callFrame.functionName ?? "(idle)");
    busyPerSecond[second] = (busyPerSecond[second] ?? 0) + (busy ? (profile.timeDeltas[index] ?? 0) : 0);
  });
  for (const [second, us] of busyPerSecond.entries())
    process.stdout.write(
      `${String(second).padStart(5)} s  ${((100 * (us ?? 0)) / 1e6).toFixed(0).padStart(3)} % busy\n`,
    );
  process.exit(0);
}

const from = Number(options.from ?? 0);
const to = Number(options.to ?? Infinity);
const selfUs = new Map<number, number>();
profile.samples.forEach((id, index) => {
  const at = sampledAt[index] ?? 0;
  if (at >= from && at < to) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
});

const categories = new Map<string, number>();
const functions = new Map<string, number>();
let totalUs = 0;
let busyUs = 0;
for (const [id, us] of selfUs) {
  const node = byId.get(id);
  if (!node) continue;
  const category = chargedTo(id);
  totalUs += us;
  if (category !== "idle / program") busyUs += us;
  categories.set(category, (categories.get(category) ?? 0) + us);
  const where = node.callFrame.url
    .replace(/^.*node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, "")
    .replace(/^file:\/\/.*?\/(gateway|packages)\//, "$1/");
  const name = `${node.callFrame.functionName || "(anonymous)"} ${where}:${node.callFrame.lineNumber + 1}`;
  functions.set(name, (functions.get(name) ?? 0) + us);
}

const share = (us: number) => `${((100 * us) / busyUs).toFixed(1).padStart(5)} %`;
process.stdout.write(
  `${file}: ${(totalUs / 1e6).toFixed(1)} s sampled, ${(busyUs / 1e6).toFixed(1)} s busy (shares below are of busy time)\n\n`,
);
for (const [category, us] of [...categories].sort((a, b) => b[1] - a[1])) {
  if (category === "idle / program") continue;
  process.stdout.write(`${share(us)}  ${category}\n`);
}
process.stdout.write(`\ntop functions by self time:\n`);
for (const [name, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, Number(topArgument ?? 30))) {
  if (name.startsWith("(idle)") || name.startsWith("(program)")) continue;
  process.stdout.write(`${share(us)}  ${name}\n`);
}
