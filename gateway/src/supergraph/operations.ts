import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { type DocumentNode, type GraphQLError, type GraphQLSchema, Kind, parse, validate } from "graphql";
import ts from "typescript";

/**
 * GraphQL operations written in the tests, benchmarks and load scripts. They are plain string and
 * template literals passed to helpers (`graphqlOk(\`mutation …\`)`), not `gql` tags, so they are
 * found with TypeScript's own parser: every literal that reads as an operation, with the constants
 * it interpolates (`${TICKET}`, in the file or imported from a relative module) filled in.
 */

/** The comment that marks an operation meant to fail validation (a test of the refusal), with why. */
export const INVALID_ON_PURPOSE = /schema-check:\s*invalid on purpose/i;

export interface FoundOperation {
  /** Path relative to the root the files were searched from. */
  file: string;
  /** 1-based position of the first character inside the literal's quotes. */
  line: number;
  column: number;
  source: string;
  /** Marked `// schema-check: invalid on purpose`: it must fail validation. */
  invalidOnPurpose: boolean;
  /** Where a character of `source` is in the file (or, inside an interpolated constant, where it is interpolated). */
  place: (offset: number) => { line: number; column: number; note: string };
}

export interface UncheckedOperation {
  file: string;
  line: number;
  column: number;
  why: string;
}

export interface OperationProblem {
  file: string;
  line: number;
  column: number;
  message: string;
}

/**
 * `query Name($v: T) @d {`, `mutation {`, `subscription {`, `fragment X on Y`: an operation even when
 * it does not parse (so a syntax error is reported); `query failed: {…}` is not one.
 */
const KEYWORD_LED =
  /^\s*(?:(?:query|mutation|subscription)(?:\s+[_A-Za-z]\w*)?\s*(?:\([^)]*\))?\s*(?:@[^{]*)?\{|fragment\s+[_A-Za-z]\w*\s+on\s+[_A-Za-z])/;
/** `{ field …`: an operation only if it parses (`{ name: "x" }` input text and JSON do not). */
const SHORTHAND = /^\s*\{\s*[_A-Za-z]/;
/** What an interpolation the check cannot know stands for when it sits inside a GraphQL string. */
const STRING_PLACEHOLDER = "x";
const UNKNOWN_PLACEHOLDER = "__built_at_run_time";

/**
 * Known text — written in the literal itself (`at`: its file offset) or interpolated (`via`: the
 * constant's name and where it is interpolated) — or an interpolation the check cannot know.
 */
type Piece = { text: string; at?: number; via?: { name: string; at: number } } | { unknown: string; inString: boolean };

/** The string constants a module declares (once: a name declared twice is ambiguous), and what it imports. */
interface ModuleConstants {
  constants: Map<string, ts.Expression>;
  ambiguous: Set<string>;
  imports: Map<string, { from: string; name: string }>;
}

export class OperationFinder {
  private readonly modules = new Map<string, { sourceFile: ts.SourceFile; constants: ModuleConstants }>();

  constructor(private readonly root: string) {}

  private module(path: string, text?: string) {
    let entry = this.modules.get(path);
    if (!entry) {
      const sourceFile = ts.createSourceFile(
        path,
        text ?? readFileSync(path, "utf8"),
        ts.ScriptTarget.Latest,
        true,
        /\.m?js$/.test(path) ? ts.ScriptKind.JS : ts.ScriptKind.TS,
      );
      entry = { sourceFile, constants: collectConstants(sourceFile) };
      this.modules.set(path, entry);
    }
    return entry;
  }

  /** The operations of one file (its text may be given, as the tests do). */
  find(path: string, text?: string): { operations: FoundOperation[]; unchecked: UncheckedOperation[] } {
    const absolute = resolve(this.root, path);
    const { sourceFile } = this.module(absolute, text);
    const file = relative(this.root, absolute);
    const operations: FoundOperation[] = [];
    const unchecked: UncheckedOperation[] = [];
    const visit = (node: ts.Node): void => {
      if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node)) {
        const pieces = this.pieces(absolute, node, new Set());
        if (pieces) this.classify(sourceFile, file, node, pieces, operations, unchecked);
        // Literals inside an interpolation (`${items.map((i) => `mutation …`)}`) are operations of their own.
        if (ts.isTemplateExpression(node)) for (const span of node.templateSpans) visit(span.expression);
        return;
      }
      ts.forEachChild(node, visit);
    };
    visit(sourceFile);
    return { operations, unchecked };
  }

  private classify(
    sourceFile: ts.SourceFile,
    file: string,
    node: ts.Node,
    pieces: Piece[],
    operations: FoundOperation[],
    unchecked: UncheckedOperation[],
  ): void {
    const known = pieces.map((p) => ("text" in p ? p.text : p.inString ? STRING_PLACEHOLDER : UNKNOWN_PLACEHOLDER));
    const source = known.join("");
    // Up to the first interpolation the check cannot know: `{${…}}` is some other text built at run time.
    const firstUnknown = pieces.findIndex((p) => "unknown" in p && !p.inString);
    const visible = firstUnknown === -1 ? source : known.slice(0, firstUnknown).join("");
    const keywordLed = KEYWORD_LED.test(source);
    if (!keywordLed && !(SHORTHAND.test(visible) && parses(source))) return;
    const start = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile) + 1);
    const position = { file, line: start.line + 1, column: start.character + 1 };
    const unknown = pieces.filter((p): p is { unknown: string; inString: boolean } => "unknown" in p && !p.inString);
    if (unknown.length > 0) {
      const expressions = unknown.map((p) => `\${${shorten(p.unknown)}}`).join(", ");
      unchecked.push({ ...position, why: `built at run time from ${expressions}` });
      return;
    }
    const segments: Array<{ start: number; piece: Piece }> = [];
    let offset = 0;
    for (const [index, piece] of pieces.entries()) {
      segments.push({ start: offset, piece });
      offset += known[index]?.length ?? 0;
    }
    const place = (at: number) => {
      const segment = segments.findLast((s) => s.start <= at);
      const piece = segment?.piece;
      const fileOffset =
        piece && "text" in piece
          ? piece.at !== undefined
            ? piece.at + (at - segment.start)
            : piece.via?.at
          : undefined;
      if (fileOffset === undefined) return { line: position.line, column: position.column, note: "" };
      const { line, character } = sourceFile.getLineAndCharacterOfPosition(fileOffset);
      const note = piece && "text" in piece && piece.via ? ` (in \${${piece.via.name}})` : "";
      return { line: line + 1, column: character + 1, note };
    };
    operations.push({ ...position, source, invalidOnPurpose: markedInvalid(sourceFile, node), place });
  }

  /** A literal as pieces of known text and interpolations it could not resolve; undefined if not a string. */
  private pieces(modulePath: string, node: ts.Node, seen: Set<string>): Piece[] | undefined {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))
      return [{ text: node.text, at: node.getStart() + 1 }];
    if (!ts.isTemplateExpression(node)) return undefined;
    const pieces: Piece[] = [{ text: node.head.text, at: node.head.getStart() + 1 }];
    let soFar = node.head.text;
    for (const span of node.templateSpans) {
      const resolved = this.resolveExpression(modulePath, span.expression, seen);
      if (resolved !== undefined) {
        pieces.push({
          text: resolved,
          via: { name: shorten(span.expression.getText()), at: span.expression.getStart() - 2 },
        });
        soFar += resolved;
      } else {
        pieces.push({ unknown: span.expression.getText(), inString: insideGraphQLString(soFar) });
        soFar += STRING_PLACEHOLDER;
      }
      pieces.push({ text: span.literal.text, at: span.literal.getStart() + 1 });
      soFar += span.literal.text;
    }
    return pieces;
  }

  /** The text of an interpolated constant: a string literal, or a template of such, in this module or imported. */
  private resolveExpression(modulePath: string, expression: ts.Expression, seen: Set<string>): string | undefined {
    if (ts.isStringLiteral(expression) || ts.isNoSubstitutionTemplateLiteral(expression)) return expression.text;
    if (ts.isParenthesizedExpression(expression) || ts.isAsExpression(expression))
      return this.resolveExpression(modulePath, expression.expression, seen);
    if (ts.isIdentifier(expression)) return this.resolveName(modulePath, expression.text, seen);
    if (ts.isTemplateExpression(expression)) {
      const pieces = this.pieces(modulePath, expression, seen);
      if (!pieces || pieces.some((p) => !("text" in p))) return undefined;
      return pieces.map((p) => ("text" in p ? p.text : "")).join("");
    }
    return undefined;
  }

  private resolveName(modulePath: string, name: string, seen: Set<string>): string | undefined {
    const key = `${modulePath}#${name}`;
    if (seen.has(key)) return undefined;
    const next = new Set(seen).add(key);
    const { constants } = this.module(modulePath);
    if (constants.ambiguous.has(name)) return undefined;
    const initializer = constants.constants.get(name);
    if (initializer) return this.resolveExpression(modulePath, initializer, next);
    const imported = constants.imports.get(name);
    if (!imported) return undefined;
    const target = moduleFile(dirname(modulePath), imported.from);
    return target ? this.resolveName(target, imported.name, next) : undefined;
  }
}

function shorten(expression: string): string {
  const firstLine = expression.split("\n")[0] ?? "";
  return firstLine.length > 60 || firstLine !== expression ? `${firstLine.slice(0, 60)}…` : firstLine;
}

function parses(source: string): boolean {
  try {
    parse(source);
    return true;
  } catch {
    return false;
  }
}

/** Whether text so far ends inside a GraphQL string: an odd number of unescaped double quotes. */
function insideGraphQLString(text: string): boolean {
  return (text.match(/(?<!\\)"/g)?.length ?? 0) % 2 === 1;
}

/** The source file a relative import names (`./x.js` is `./x.ts` in this repository); undefined for a package. */
function moduleFile(directory: string, specifier: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const base = resolve(directory, specifier);
  const candidates = [base, base.replace(/\.js$/, ".ts"), base.replace(/\.mjs$/, ".mts"), `${base}.ts`];
  return candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
}

function collectConstants(sourceFile: ts.SourceFile): ModuleConstants {
  const constants = new Map<string, ts.Expression>();
  const ambiguous = new Set<string>();
  const imports = new Map<string, { from: string; name: string }>();
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name)) {
      const name = node.name.text;
      const isConst = (ts.getCombinedNodeFlags(node) & ts.NodeFlags.Const) !== 0;
      if (constants.has(name) || ambiguous.has(name) || !isConst || !node.initializer) {
        constants.delete(name);
        ambiguous.add(name);
      } else {
        constants.set(name, node.initializer);
      }
    } else if (ts.isParameter(node) && ts.isIdentifier(node.name)) {
      // A parameter of the same name shadows the constant somewhere: do not guess which one is meant.
      constants.delete(node.name.text);
      ambiguous.add(node.name.text);
    } else if (
      ts.isImportDeclaration(node) &&
      ts.isStringLiteral(node.moduleSpecifier) &&
      node.importClause?.namedBindings &&
      ts.isNamedImports(node.importClause.namedBindings)
    ) {
      for (const element of node.importClause.namedBindings.elements) {
        imports.set(element.name.text, {
          from: node.moduleSpecifier.text,
          name: (element.propertyName ?? element.name).text,
        });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return { constants, ambiguous, imports };
}

/** Marked by a `schema-check: invalid on purpose` comment before it or before the statement holding it. */
function markedInvalid(sourceFile: ts.SourceFile, node: ts.Node): boolean {
  const text = sourceFile.getFullText();
  for (let current: ts.Node | undefined = node; current && !ts.isSourceFile(current); current = current.parent) {
    const comments = ts.getLeadingCommentRanges(text, current.getFullStart()) ?? [];
    if (comments.some((range) => INVALID_ON_PURPOSE.test(text.slice(range.pos, range.end)))) return true;
    if (ts.isStatement(current)) break;
  }
  return false;
}

/** Every script (.ts, .mts, .js, .mjs) under the given folders, without node_modules. */
export function scriptFiles(root: string, folders: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (directory: string): void => {
    if (!existsSync(directory)) return;
    for (const entry of readdirSync(directory).sort()) {
      if (entry === "node_modules" || entry.startsWith(".")) continue;
      const path = join(directory, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(?:m?ts|m?js)$/.test(entry) && !entry.endsWith(".d.ts")) files.push(path);
    }
  };
  for (const folder of folders) walk(join(root, folder));
  return files;
}

/** Root fields only a subgraph answers: an operation selecting one is sent to a subgraph directly. */
const SUBGRAPH_ROOT_FIELDS = new Set(["_entities", "_service"]);

function sentToSubgraph(document: DocumentNode): boolean {
  return document.definitions.some(
    (definition) =>
      definition.kind === Kind.OPERATION_DEFINITION &&
      definition.selectionSet.selections.some(
        (selection) => selection.kind === Kind.FIELD && SUBGRAPH_ROOT_FIELDS.has(selection.name.value),
      ),
  );
}

/** Where a GraphQL error is in the operation's file, and a note when it is in an interpolated constant. */
function locate(operation: FoundOperation, error: GraphQLError | undefined) {
  const offset = error?.positions?.[0];
  if (offset === undefined) return { file: operation.file, line: operation.line, column: operation.column, note: "" };
  return { file: operation.file, ...operation.place(offset) };
}

function problemAt(operation: FoundOperation, error: GraphQLError | undefined, message: string): OperationProblem {
  const { note, ...where } = locate(operation, error);
  return { ...where, message: `${message}${note}` };
}

/**
 * Validates each operation against the API schema (graphql-js `validate`), or, when it selects
 * `_entities`/`_service`, against the subgraph schemas (valid if one subgraph accepts it). An
 * operation marked invalid on purpose must fail, so the mark cannot outlive its reason.
 */
export function validateOperations(
  operations: readonly FoundOperation[],
  apiSchema: GraphQLSchema,
  subgraphSchemas: ReadonlyMap<string, GraphQLSchema>,
): OperationProblem[] {
  const problems: OperationProblem[] = [];
  for (const operation of operations) {
    let document: DocumentNode;
    try {
      document = parse(operation.source);
    } catch (error) {
      const syntax = error as GraphQLError;
      if (!operation.invalidOnPurpose) problems.push(problemAt(operation, syntax, syntax.message));
      continue;
    }
    let errors: readonly GraphQLError[];
    let against = "";
    if (sentToSubgraph(document)) {
      const bySubgraph = [...subgraphSchemas].map(([name, schema]) => ({ name, errors: validate(schema, document) }));
      const best = bySubgraph.sort((a, b) => a.errors.length - b.errors.length)[0];
      errors = best?.errors ?? [];
      against = best ? ` (against subgraph ${best.name}, the closest)` : "";
    } else {
      errors = validate(apiSchema, document);
    }
    if (operation.invalidOnPurpose) {
      if (errors.length === 0)
        problems.push(
          problemAt(
            operation,
            undefined,
            "marked `schema-check: invalid on purpose` but it validates: remove the mark",
          ),
        );
      continue;
    }
    for (const error of errors) problems.push(problemAt(operation, error, `${error.message}${against}`));
  }
  return problems;
}
