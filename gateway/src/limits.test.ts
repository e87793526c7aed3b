import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, test } from "@jest/globals";
import { buildSchema, parse, validate, type DocumentNode } from "graphql";
import ts from "typescript";
import { GATEWAY_LIMITS, gatewayProtection } from "./limits.js";
import { SUPERGRAPH_FILE } from "./supergraph/subgraphs.js";

const ROOT = new URL("../../", import.meta.url);
const SOURCES = ["test/e2e/", "test/harness/", "bench/"];
/** Where the queries built to be refused live: each is asserted refused there. */
const HOSTILE_SOURCES = new Set(["test/e2e/gateway-limits.test.ts"]);

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
  return validate(schema, document, validationRules).map((error) => error.message);
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
    ["cost", "{ users(first: 1000) { nodes { id email } } }", /Cost limit of 5000 exceeded/],
    ["tokens", `{ me { ${"id ".repeat(GATEWAY_LIMITS.maxTokens)}} }`, /more tha[nt] 1000 tokens/],
  ])("an operation over the %s limit is refused, naming the limit", (_, text, message) => {
    expect(refusals(text)).toContainEqual(expect.stringMatching(message));
  });
});
