import { Kind, OperationTypeNode, parse, print, visit, type DocumentNode, type FieldNode } from "graphql";
import { LRUCache } from "lru-cache";

/**
 * The entity fetches one client request sends to one subgraph at the same time, as one HTTP
 * request (docs/adr/0031). Apollo Gateway plans each entity field on its own: a ticket page's
 * `assignee` and `creator` are two parallel `_entities` fetches to identity, each a request the
 * gateway sends and the subgraph authenticates, parses and answers alone. Merged, each fetch's
 * `_entities` field becomes an aliased root field of one operation, its variables and fragments
 * renamed apart, so the subgraph resolves every field exactly as it would have alone (each
 * `_entities` field is resolved on its own), and the answer is split back into the answer each
 * fetch would have got, errors included. @graphql-tools/batch-execute (Hive Gateway's) merges
 * the same way, but transforms and prints the merged document for every batch; here each
 * combination of query texts is merged once (graphql-js parses, renames and prints it) and kept.
 */
export interface EntityFetch {
  query: string;
  variables: Record<string, unknown>;
  operationName?: string | undefined;
}

export interface MergedEntityFetches {
  query: string;
  variables: Record<string, unknown>;
  operationName: string | undefined;
}

const aliasOf = (index: number) => `_entities_${index}`;
const renamed = (name: string, index: number) => `${name}_${index}`;

interface Merge {
  query: string;
  operationName: string | undefined;
  /** Per fetch: its variables' names in the merged operation. */
  variableNames: Array<ReadonlyMap<string, string>>;
}

/**
 * Merged operations by the fetches' query texts: the plans are cached, so the same few
 * combinations recur; a miss parses and prints once. A combination that cannot be merged is kept
 * as such, so it is not parsed again either.
 */
const merges = new LRUCache<string, Merge | { unmergeable: true }>({ max: 1_000 });

/** The merge of `queries`, or null when one of them is not a plain entity fetch (each is then sent on its own). */
function mergeOf(queries: readonly string[]): Merge | null {
  const key = queries.join("\u0000");
  let merge = merges.get(key);
  if (!merge) {
    merge = buildMerge(queries) ?? { unmergeable: true };
    merges.set(key, merge);
  }
  return "unmergeable" in merge ? null : merge;
}

function buildMerge(queries: readonly string[]): Merge | null {
  const variableDefinitions = [];
  const selections: FieldNode[] = [];
  const fragments = [];
  const variableNames: Array<Map<string, string>> = [];
  let operationName: string | undefined;
  for (const [index, query] of queries.entries()) {
    let document: DocumentNode;
    try {
      document = parse(query, { noLocation: true });
    } catch {
      return null;
    }
    const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    const operation = operations[0];
    const root = operation?.selectionSet.selections[0];
    if (
      operations.length !== 1 ||
      !operation ||
      operation.operation !== OperationTypeNode.QUERY ||
      (operation.directives?.length ?? 0) > 0 ||
      operation.selectionSet.selections.length !== 1 ||
      root?.kind !== Kind.FIELD ||
      root.name.value !== "_entities" ||
      root.alias
    )
      return null;
    if (index === 0) operationName = operation.name?.value;
    const names = new Map<string, string>();
    const apart = visit(document, {
      Variable: (node) => {
        const name = renamed(node.name.value, index);
        names.set(node.name.value, name);
        return { ...node, name: { ...node.name, value: name } };
      },
      FragmentDefinition: (node) => ({ ...node, name: { ...node.name, value: renamed(node.name.value, index) } }),
      FragmentSpread: (node) => ({ ...node, name: { ...node.name, value: renamed(node.name.value, index) } }),
    });
    variableNames.push(names);
    for (const definition of apart.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.push(definition);
      else if (definition.kind === Kind.OPERATION_DEFINITION) {
        variableDefinitions.push(...(definition.variableDefinitions ?? []));
        const field = definition.selectionSet.selections[0] as FieldNode;
        selections.push({ ...field, alias: { kind: Kind.NAME, value: aliasOf(index) } });
      }
    }
  }
  const merged: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: OperationTypeNode.QUERY,
        ...(operationName ? { name: { kind: Kind.NAME, value: operationName } } : {}),
        variableDefinitions,
        selectionSet: { kind: Kind.SELECTION_SET, selections },
      },
      ...fragments,
    ],
  };
  return { query: print(merged), operationName, variableNames };
}

/** One operation for all of `fetches` (at least two), or null when one of them cannot be merged. */
export function mergeEntityFetches(fetches: readonly EntityFetch[]): MergedEntityFetches | null {
  const merge = mergeOf(fetches.map((fetch) => fetch.query));
  if (!merge) return null;
  const variables: Record<string, unknown> = {};
  fetches.forEach((fetch, index) => {
    for (const [name, value] of Object.entries(fetch.variables)) {
      const mergedName = merge.variableNames[index]!.get(name);
      // A variable the fetch's operation never uses is not sent (GraphQL would refuse it unknown).
      if (mergedName !== undefined) variables[mergedName] = value;
    }
  });
  return { query: merge.query, variables, operationName: merge.operationName };
}

/**
 * The merged operation's answer as the `count` answers the fetches would have got alone: fetch i
 * gets the aliased field `_entities_i` as its `_entities` and the errors under it with their path
 * back at `_entities`; an error under no fetch's field (a request-level error) goes to every fetch,
 * as each would have got it alone. `data: null` stays null for every fetch.
 */
export function splitEntityAnswer(answer: object, count: number): object[] {
  const data = "data" in answer ? answer.data : undefined;
  const errors = "errors" in answer && Array.isArray(answer.errors) ? (answer.errors as unknown[]) : [];
  const errorsOf: unknown[][] = Array.from({ length: count }, () => []);
  for (const error of errors) {
    const path =
      typeof error === "object" && error !== null && "path" in error && Array.isArray(error.path)
        ? (error.path as unknown[])
        : null;
    const index = typeof path?.[0] === "string" ? fetchIndexOf(path[0], count) : null;
    if (index === null) for (const own of errorsOf) own.push(error);
    else errorsOf[index]!.push({ ...(error as object), path: ["_entities", ...path!.slice(1)] });
  }
  return errorsOf.map((own, index) => {
    const part: Record<string, unknown> = {};
    if (data === null) part.data = null;
    else if (typeof data === "object" && data !== undefined) {
      const entities = (data as Record<string, unknown>)[aliasOf(index)];
      part.data = entities === undefined ? {} : { _entities: entities };
    }
    if (own.length > 0) part.errors = own;
    return part;
  });
}

function fetchIndexOf(alias: string, count: number): number | null {
  const match = /^_entities_(\d+)$/.exec(alias);
  const index = match ? Number(match[1]) : -1;
  return index >= 0 && index < count ? index : null;
}
