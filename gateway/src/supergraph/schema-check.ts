import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CriticalityLevel } from "@graphql-inspector/core";
import { type SubgraphSource, apiSchemaOf, composeSubgraphs, currentSubgraphs } from "./compose.js";
import { OperationFinder, type OperationProblem, scriptFiles, validateOperations } from "./operations.js";
import {
  type Announcement,
  type SchemaChange,
  announcementFor,
  announcementTemplate,
  apiSchemaFromSupergraph,
  parseAnnouncements,
  schemaChanges,
  subgraphSchema,
} from "./schema-changes.js";
import { API_SCHEMA_FILE, SUPERGRAPH_FILE } from "./subgraphs.js";

/**
 * `npm run schema:check`: what the subgraphs' current SDL changes for clients, against the
 * supergraph of a base commit (breaking changes fail unless announced in schema-changes.json), and
 * whether every operation in test/, bench/ and infra/load still validates against the graph they
 * compose to. docs/adr/0018-schema-change-checks.md says why it works this way.
 */

export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const ANNOUNCEMENTS_FILE = new URL("../../../schema-changes.json", import.meta.url);
/** Where the operations clients of the graph are written: the suites, benchmarks and load scripts. */
export const OPERATION_FOLDERS = ["test", "bench", "infra/load"] as const;

export interface SchemaCheckInput {
  subgraphs: readonly SubgraphSource[];
  /** The supergraph the changes are measured from (a base commit's), if there is one. */
  base: { supergraph: string; label: string } | undefined;
  /** The checked-in files in the working tree, to say when `npm run compose` was not run. */
  checkedIn: { supergraph: string; apiSchema: string } | undefined;
  /** schema-changes.json's text. */
  announcements: string;
  /** The folder the operation folders are relative to, and the folders. */
  root: string;
  operationFolders: readonly string[];
  verbose?: boolean;
  today?: Date;
}

export interface SchemaCheckReport {
  lines: string[];
  passed: boolean;
  changes: SchemaChange[];
  unannounced: SchemaChange[];
  operationProblems: OperationProblem[];
}

const LEVEL_MARK: Record<CriticalityLevel, string> = {
  [CriticalityLevel.Breaking]: "BREAKING ",
  [CriticalityLevel.Dangerous]: "DANGEROUS",
  [CriticalityLevel.NonBreaking]: "safe     ",
};

export async function checkSchema(input: SchemaCheckInput): Promise<SchemaCheckReport> {
  const lines: string[] = [];
  const say = (line = "") => lines.push(line);
  let passed = true;

  let supergraph: string;
  try {
    supergraph = composeSubgraphs(input.subgraphs);
  } catch (error) {
    say(`✗ the subgraphs' SDL does not compose: ${error instanceof Error ? error.message : String(error)}`);
    return { lines, passed: false, changes: [], unannounced: [], operationProblems: [] };
  }

  if (input.checkedIn) {
    const stale = [
      input.checkedIn.supergraph !== supergraph ? "gateway/supergraph.graphql" : undefined,
      input.checkedIn.apiSchema !== apiSchemaOf(supergraph) ? "schema.graphql" : undefined,
    ].filter((name): name is string => name !== undefined);
    if (stale.length > 0) {
      passed = false;
      say(
        `✗ ${stale.join(" and ")} ${stale.length > 1 ? "are" : "is"} stale: the subgraphs' SDL composes to something else. ` +
          "Run `npm run compose` and commit the result (the changes below are the SDL's).",
      );
    }
  }

  let announcements: Announcement[] = [];
  try {
    announcements = parseAnnouncements(input.announcements);
  } catch (error) {
    passed = false;
    say(`✗ ${error instanceof Error ? error.message : String(error)}`);
  }

  let changes: SchemaChange[] = [];
  const unannounced: SchemaChange[] = [];
  if (!input.base) {
    say("· no base supergraph to compare with (no git history here): changes not checked");
  } else {
    changes = await schemaChanges(input.base.supergraph, supergraph, input.subgraphs);
    say(`API changes for clients since ${input.base.label}: ${summariseLevels(changes)}`);
    const bySubgraph = new Map<string, SchemaChange[]>();
    for (const change of changes) {
      const key = change.subgraphs.length > 0 ? change.subgraphs.join(", ") : "(the graph)";
      bySubgraph.set(key, [...(bySubgraph.get(key) ?? []), change]);
    }
    for (const [subgraphs, ofSubgraphs] of [...bySubgraph].sort(([a], [b]) => a.localeCompare(b))) {
      const shown = ofSubgraphs.filter((c) => input.verbose || c.level !== CriticalityLevel.NonBreaking);
      say(`  ${subgraphs}: ${summariseLevels(ofSubgraphs)}`);
      for (const change of shown) {
        const announced =
          change.level === CriticalityLevel.Breaking ? announcementFor(change, announcements) : undefined;
        if (change.level === CriticalityLevel.Breaking && !announced) unannounced.push(change);
        const note =
          change.level !== CriticalityLevel.Breaking
            ? (change.reason ?? "")
            : announced
              ? `announced ${announced.date}: ${announced.reason}`
              : "NOT ANNOUNCED";
        say(
          `    ${change.level === CriticalityLevel.Breaking && !announced ? "✗" : "·"} ${LEVEL_MARK[change.level]} ${change.coordinate || "(schema)"} ${change.type}: ${change.message}`,
        );
        if (note) say(`        ${note}`);
      }
    }
  }
  if (unannounced.length > 0) {
    passed = false;
    say();
    say(
      `✗ ${unannounced.length} breaking change${unannounced.length > 1 ? "s" : ""} not announced. If ${
        unannounced.length > 1 ? "they are" : "it is"
      } meant, add to schema-changes.json's "breakingChanges" (with the real reason), else keep the old shape:`,
    );
    const today = input.today ?? new Date();
    for (const change of unannounced) say(`    ${JSON.stringify(announcementTemplate(change, today))},`);
  }

  // Operations: against the graph the SDL composes to now, not the checked-in one.
  const apiSchema = apiSchemaFromSupergraph(supergraph);
  const subgraphSchemas = new Map(input.subgraphs.map((subgraph) => [subgraph.name, subgraphSchema(subgraph)]));
  const finder = new OperationFinder(input.root);
  const files = scriptFiles(input.root, input.operationFolders);
  const found = files.map((file) => finder.find(file));
  const operations = found.flatMap((f) => f.operations);
  const unchecked = found.flatMap((f) => f.unchecked);
  const operationProblems = validateOperations(operations, apiSchema, subgraphSchemas);
  const onPurpose = operations.filter((o) => o.invalidOnPurpose).length;
  say();
  say(
    `operations in ${input.operationFolders.join(", ")}: ${operations.length} in ${files.length} files validated ` +
      `(${onPurpose} invalid on purpose), ${unchecked.length} built at run time not checked${
        operationProblems.length > 0 ? `, ${operationProblems.length} problems:` : ""
      }`,
  );
  for (const problem of operationProblems)
    say(`  ✗ ${problem.file}:${problem.line}:${problem.column} ${problem.message}`);
  if (input.verbose) for (const u of unchecked) say(`  · not checked: ${u.file}:${u.line}:${u.column} ${u.why}`);
  if (operationProblems.length > 0) passed = false;

  say();
  say(passed ? "✓ schema check passed" : "✗ schema check failed");
  return { lines, passed, changes, unannounced, operationProblems };
}

function summariseLevels(changes: readonly SchemaChange[]): string {
  if (changes.length === 0) return "none";
  const count = (level: CriticalityLevel) => changes.filter((c) => c.level === level).length;
  return `${count(CriticalityLevel.Breaking)} breaking, ${count(CriticalityLevel.Dangerous)} dangerous, ${count(CriticalityLevel.NonBreaking)} safe`;
}

function git(args: readonly string[]): string | undefined {
  const result = spawnSync("git", args, { cwd: REPO_ROOT, encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/**
 * The commit whose supergraph the changes are measured from: SCHEMA_CHECK_BASE when set; on a
 * branch, where it left main; on main itself (HEAD is on main's line), HEAD's first parent, so
 * the latest commit — a merge brings a whole branch — and uncommitted work are checked.
 */
export function baseCommit(): { ref: string; label: string } | undefined {
  const explicit = process.env.SCHEMA_CHECK_BASE;
  if (explicit) return { ref: explicit, label: `${explicit} (SCHEMA_CHECK_BASE)` };
  const head = git(["rev-parse", "HEAD"]);
  if (!head) return undefined;
  const main =
    git(["rev-parse", "--verify", "--quiet", "main"]) ?? git(["rev-parse", "--verify", "--quiet", "origin/main"]);
  const fork = main ? git(["merge-base", "HEAD", main]) : undefined;
  if (fork && fork !== head) return { ref: fork, label: `${fork.slice(0, 7)}, where this branch left main` };
  const parent = git(["rev-parse", "--verify", "--quiet", "HEAD^1"]);
  if (parent) return { ref: parent, label: `${parent.slice(0, 7)}, HEAD's parent on main` };
  return { ref: head, label: `${head.slice(0, 7)} (HEAD)` };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = performance.now();
  const base = baseCommit();
  const baseSupergraph = base ? git(["show", `${base.ref}:gateway/supergraph.graphql`]) : undefined;
  const report = await checkSchema({
    subgraphs: currentSubgraphs(),
    base:
      base && baseSupergraph !== undefined
        ? { supergraph: `${baseSupergraph}\n`, label: base.label }
        : // Without history, the checked-in file is the only base there is.
          existsSync(SUPERGRAPH_FILE)
          ? { supergraph: readFileSync(SUPERGRAPH_FILE, "utf8"), label: "the checked-in gateway/supergraph.graphql" }
          : undefined,
    checkedIn: {
      supergraph: readFileSync(SUPERGRAPH_FILE, "utf8"),
      apiSchema: readFileSync(API_SCHEMA_FILE, "utf8"),
    },
    announcements: existsSync(ANNOUNCEMENTS_FILE) ? readFileSync(ANNOUNCEMENTS_FILE, "utf8") : '{"breakingChanges":[]}',
    root: REPO_ROOT,
    operationFolders: OPERATION_FOLDERS,
    verbose: process.argv.includes("--verbose"),
  });
  for (const line of report.lines) process.stdout.write(`${line}\n`);
  process.stdout.write(`(${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
  process.exit(report.passed ? 0 : 1);
}
