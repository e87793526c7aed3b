/**
 * One `_entities` fetch asks for each entity once. Apollo Gateway sends one representation per
 * place an entity appears (a page of 50 tickets by one creator sends that creator 50 times); the
 * subgraph would resolve, serialise and send each copy, and the gateway parse each. Like Apollo
 * Router's entity deduplication, the fetch sends each distinct representation once and the answer
 * is spread back to every place, errors included, so the gateway's executor sees what it would
 * have got without it (issue 25). Representations are built by the executor from the plan's
 * `requires`, so equal entities serialise alike.
 */
export interface DedupedRepresentations {
  /** What the subgraph is asked for: each distinct representation once. */
  unique: unknown[];
  /** For each representation the executor sent, the index of its copy in `unique`. */
  sourceOf: number[];
}

/**
 * The query planner's entity fetches select exactly this (minified, after any variable
 * definitions); clients cannot ask for `_entities` through the gateway (it is not in the API
 * schema), so a client's own variable that happens to be called `representations`, passed on to a
 * root fetch, is never touched.
 */
const ENTITY_FETCH = "{_entities(representations:$representations)";

/** Whether `query` is one of the query planner's entity fetches. */
export function isEntityFetch(query: string): boolean {
  return query.includes(ENTITY_FETCH);
}

/** Null when there is nothing to merge (not an entity fetch, or all distinct). */
export function dedupeRepresentations(
  query: string,
  variables: Record<string, unknown> | undefined,
): DedupedRepresentations | null {
  const representations = variables?.representations;
  if (!Array.isArray(representations) || representations.length < 2 || !isEntityFetch(query)) return null;
  const indexOf = new Map<string, number>();
  const unique: unknown[] = [];
  const sourceOf = representations.map((representation: unknown) => {
    const key = JSON.stringify(representation);
    let index = indexOf.get(key);
    if (index === undefined) {
      index = unique.push(representation) - 1;
      indexOf.set(key, index);
    }
    return index;
  });
  return unique.length === representations.length ? null : { unique, sourceOf };
}

/**
 * The subgraph's answer for `unique`, as the answer for every representation sent: `_entities` in
 * the executor's order (a copy for each repeat, so nothing downstream shares one object between
 * places) and each `["_entities", i, …]` error once per place it applies to. An answer of another
 * shape (no `_entities` list of the asked length) is returned as it came: the executor reports it
 * as it always did.
 */
export function spreadEntities(answer: object, { unique, sourceOf }: DedupedRepresentations): object {
  const data = "data" in answer ? answer.data : undefined;
  if (typeof data !== "object" || data === null || !("_entities" in data) || !Array.isArray(data._entities))
    return answer;
  const entities = data._entities as unknown[];
  if (entities.length !== unique.length) return answer;
  const used = new Set<number>();
  const spread = sourceOf.map((source) => {
    const entity = entities[source];
    if (!used.has(source)) {
      used.add(source);
      return entity;
    }
    return copyOf(entity);
  });
  const errors = "errors" in answer && Array.isArray(answer.errors) ? (answer.errors as unknown[]) : undefined;
  return {
    ...answer,
    data: { ...data, _entities: spread },
    ...(errors ? { errors: errors.flatMap((error) => spreadError(error, sourceOf)) } : {}),
  };
}

function spreadError(error: unknown, sourceOf: number[]): unknown[] {
  if (typeof error !== "object" || error === null || !("path" in error) || !Array.isArray(error.path)) return [error];
  const [root, source, ...rest] = error.path as unknown[];
  if (root !== "_entities" || typeof source !== "number") return [error];
  const places: unknown[] = [];
  sourceOf.forEach((from, index) => {
    if (from === source) places.push({ ...error, path: ["_entities", index, ...rest] });
  });
  return places.length > 0 ? places : [error];
}

/** A copy of a parsed JSON value (five times cheaper than structuredClone for an entity). */
function copyOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyOf);
  if (typeof value !== "object" || value === null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // A key named __proto__ (JSON.parse makes it an own property) stays data, never a prototype.
    if (key === "__proto__")
      Object.defineProperty(copy, key, { value: copyOf(item), enumerable: true, writable: true, configurable: true });
    else copy[key] = copyOf(item);
  }
  return copy;
}
