import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, test } from "@jest/globals";
import { buildSchema, getOperationAST, parse, validate, type DocumentNode } from "graphql";
import ts from "typescript";
import { GATEWAY_LIMITS, gatewayProtection, operationCost } from "./limits.js";
import { DEFAULT_PAGE_SIZE } from "@support/validation";
import { SUPERGRAPH_FILE } from "./supergraph/subgraphs.js";

const ROOT = new URL("../../", import.meta.url);
const SOURCES = ["test/e2e/", "test/harness/", "bench/", "infra/load/"];
/** Where the queries built to be refused live: each is asserted refused there. */
const HOSTILE_SOURCES = new Set(["test/e2e/gateway-limits.test.ts", "test/e2e/browser.test.ts"]);

/**
 * Every GraphQL operation written in the product's tests and benchmarks: string and template
 * literals that start like an operation (a template's substitutions become a placeholder name).
 */
function operationsInSources(): Array<{ file: string; text: string }> {
  const found: Array<{ file: string; text: string }> = [];
  for (const dir of SOURCES) {
    for (const name of readdirSync(new URL(dir, ROOT)).filter((file) => file.endsWith(".ts"))) {
      const file = `${dir}${name}`;
      if (HOSTILE_SOURCES.has(file)) continue;
      const source = ts.createSourceFile(file, readFileSync(new URL(file, ROOT), "utf8"), ts.ScriptTarget.Latest);
      const visit = (node: ts.Node): void => {
        let text: string | undefined;
        if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) text = node.text;
        else if (ts.isTemplateExpression(node))
          text = node.head.text + node.templateSpans.map((span) => `X${span.literal.text}`).join("");
        if (text && /^\s*(query\b|mutation\b|subscription\b|\{)/.test(text) && isGraphQL(text))
          found.push({ file, text });
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
  }
  return found;
}

function isGraphQL(text: string): boolean {
  try {
    parse(text);
    return true;
  } catch {
    return false; // JSON, or some other text that starts with a brace
  }
}

const schema = buildSchema(readFileSync(SUPERGRAPH_FILE, "utf8"), { assumeValidSDL: true });
const { validationRules, parseOptions } = gatewayProtection();

/** The gateway's limits' verdict on one document: its messages, empty when it passes. */
function refusals(text: string): string[] {
  let document: DocumentNode;
  try {
    document = parse(text, parseOptions);
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  }
  // Only the limit rules: a placeholder name may not be a field, which is not what is measured here.
  const refused = validate(schema, document, validationRules).map((error) => error.message);
  // The cost, measured once the operation is known (variables unknown here: literals only).
  const operation = getOperationAST(document);
  const cost = operation ? operationCost(document, operation, {}, schema) : 0;
  if (cost > GATEWAY_LIMITS.maxCost) refused.push(`costs ${cost}, over the limit of ${GATEWAY_LIMITS.maxCost}`);
  return refused;
}

/** The cost of a one-operation document with these variables. */
function costOf(text: string, variables: Record<string, unknown> = {}): number {
  const document = parse(text);
  const operation = getOperationAST(document);
  if (!operation) throw new Error("no operation");
  return operationCost(document, operation, variables, schema);
}

describe("the gateway's limits", () => {
  test("every operation the product's own tests and benchmarks send passes them", () => {
    const operations = operationsInSources();
    expect(operations.length).toBeGreaterThan(150);
    const refused = operations
      .map(({ file, text }) => ({ file, text: text.replace(/\s+/g, " ").slice(0, 80), refusals: refusals(text) }))
      .filter((operation) => operation.refusals.length > 0);
    expect(refused).toEqual([]);
  });

  test.each([
    ["depth", `{ ${"... on Query { ".repeat(49)}me { id }${" }".repeat(49)} }`, /depth limit of 10 exceeded/],
    ["aliases", `{ ${Array.from({ length: 21 }, (_, i) => `a${i}: me { id }`).join(" ")} }`, /Aliases limit of 20/],
    ["directives", `{ me { ${"id @include(if: true) ".repeat(21)}} }`, /Directives limit of 20/],
    ["cost", "{ users(first: 1000) { nodes { id email } } }", /costs \d+(\.\d+)?, over the limit of 5000/],
    ["tokens", `{ me { ${"id ".repeat(GATEWAY_LIMITS.maxTokens)}} }`, /more tha[nt] 1000 tokens/],
  ])("an operation over the %s limit is refused, naming the limit", (_, text, message) => {
    expect(refusals(text)).toContainEqual(expect.stringMatching(message));
  });
});

describe("an operation's cost", () => {
  const query = "query($n: Int) { users(first: $n) { nodes { id email } } }";

  test("reads first/last from the variables as from literals", () => {
    const literal = costOf("{ users(first: 1000) { nodes { id email } } }");
    expect(costOf(query, { n: 1000 })).toBe(literal);
    expect(literal).toBeGreaterThan(GATEWAY_LIMITS.maxCost);
    expect(costOf(query, { n: 5 })).toBeLessThan(GATEWAY_LIMITS.maxCost);
  });

  test("a variable's default counts when the variable is not sent; a sent one wins", () => {
    const withDefault = "query($n: Int = 100) { users(first: $n) { nodes { id email } } }";
    expect(costOf(withDefault)).toBe(costOf(query, { n: 100 }));
    expect(costOf(withDefault, { n: 1 })).toBe(costOf(query, { n: 1 }));
  });

  test("an argument left out, or a variable not sent, counts as the page a connection answers unsized (DEFAULT_PAGE_SIZE, 50)", () => {
    expect(DEFAULT_PAGE_SIZE).toBe(50);
    const fifty = costOf(query, { n: 50 });
    expect(costOf("{ users { nodes { id email } } }")).toBe(fifty);
    // Nested connections too: each unsized level multiplies by 50.
    const nested = (inner: string) =>
      costOf(`query($w: ID!) { tickets(workspaceId: $w, first: 2) { nodes { replies${inner} { nodes { id } } } } }`, {
        w: "x",
      });
    expect(nested("")).toBe(nested("(first: 50)"));
    expect(nested("")).toBeGreaterThan(nested("(first: 1)"));
    expect(costOf(query)).toBe(fifty);
    expect(costOf(query, { n: null })).toBe(fifty);
  });

  test("hostile values: a negative or zero count as 1 item, a huge number as itself", () => {
    const one = costOf(query, { n: 1 });
    for (const n of [-5, 0]) expect(costOf(query, { n })).toBe(one);
    // Not a number: as if not sent, the page a connection answers unsized.
    for (const n of ["100", null, Number.NaN]) expect(costOf(query, { n })).toBe(costOf(query, { n: 50 }));
    expect(costOf(query, { n: 1e9 })).toBeGreaterThan(GATEWAY_LIMITS.maxCost);
  });

  test("fragments are counted at every spread, and introspection (__schema) is free", () => {
    const once = costOf("query($n: Int) { users(first: $n) { ...U } } fragment U on UserConnection { nodes { id } }", {
      n: 10,
    });
    const twice = costOf(
      "query($n: Int) { a: users(first: $n) { ...U } b: users(first: $n) { ...U } } fragment U on UserConnection { nodes { id } }",
      { n: 10 },
    );
    expect(twice).toBe(2 * once);
    expect(costOf("{ __schema { types { name fields { name } } } }")).toBe(0);
  });
});
