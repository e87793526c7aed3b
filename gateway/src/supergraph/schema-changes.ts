import { readFileSync } from "node:fs";
import { Supergraph, buildSubgraph } from "@apollo/federation-internals";
import { type Change, type CriticalityLevel, diff } from "@graphql-inspector/core";
import {
  type GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  lexicographicSortSchema,
} from "graphql";
import { z } from "zod";
import type { SubgraphSource } from "./compose.js";

/** A change of the API schema, with the subgraphs that own the element it touches. */
export interface SchemaChange {
  level: CriticalityLevel;
  /** graphql-inspector's change type, e.g. `FIELD_REMOVED`. */
  type: string;
  /** The schema coordinate it touches, dot-separated as graphql-inspector writes it: `Ticket.title`, `Query.ticket.id`. */
  coordinate: string;
  message: string;
  reason: string | undefined;
  /** The subgraphs defining that element (the new ones; for a removal, the base's); empty for schema-wide ones. */
  subgraphs: string[];
}

/** The API schema (what clients query: no federation machinery) of a supergraph, as graphql-js. */
export function apiSchemaFromSupergraph(supergraphSdl: string): GraphQLSchema {
  return lexicographicSortSchema(Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema());
}

/**
 * A subgraph's own schema as the gateway queries it: its SDL plus federation's `_entities` and
 * `_service`, so that operations tests send to a subgraph directly can be validated too.
 */
export function subgraphSchema(subgraph: SubgraphSource): GraphQLSchema {
  return buildSubgraph(subgraph.name, subgraph.url, subgraph.sdl).validate().schema.toGraphQLJSSchema();
}

/** The subgraphs a supergraph was composed from, as graphql-js schemas, by name. */
function subgraphsOfSupergraph(supergraphSdl: string): Map<string, GraphQLSchema> {
  const schemas = new Map<string, GraphQLSchema>();
  for (const subgraph of Supergraph.build(supergraphSdl).subgraphs()) {
    schemas.set(subgraph.name, subgraph.schema.toGraphQLJSSchema());
  }
  return schemas;
}

/** Whether a schema has the element a dot-separated coordinate names (type, field/value/input field, argument). */
function hasElement(schema: GraphQLSchema, coordinate: string): boolean {
  const [typeName, member, argument] = coordinate.split(".");
  const type = typeName ? schema.getType(typeName) : undefined;
  if (!type) return false;
  if (member === undefined) return true;
  if (isEnumType(type)) return type.getValue(member) !== undefined;
  if (!(isObjectType(type) || isInterfaceType(type) || isInputObjectType(type))) return false;
  const field = type.getFields()[member];
  if (!field) return false;
  if (argument === undefined) return true;
  return "args" in field && field.args.some((arg) => arg.name === argument);
}

/** The names of the subgraphs (of one version of the graph) that define the element. */
function ownersIn(subgraphs: Map<string, GraphQLSchema>, coordinate: string): string[] {
  return [...subgraphs].filter(([, schema]) => hasElement(schema, coordinate)).map(([name]) => name);
}

/**
 * The changes clients see between two supergraphs' API schemas (graphql-inspector's `diff`, with
 * its breaking / dangerous / safe levels), each with the subgraphs it comes from: those that define
 * the element now, or, when it is gone, those that defined it in the base.
 */
export async function schemaChanges(
  baseSupergraphSdl: string,
  newSupergraphSdl: string,
  newSubgraphs: readonly SubgraphSource[],
): Promise<SchemaChange[]> {
  const changes: Change[] = await diff(
    apiSchemaFromSupergraph(baseSupergraphSdl),
    apiSchemaFromSupergraph(newSupergraphSdl),
  );
  const now = new Map(newSubgraphs.map((subgraph) => [subgraph.name, subgraphSchema(subgraph)]));
  let before: Map<string, GraphQLSchema> | undefined;
  return changes.map((change) => {
    const coordinate = change.path ?? "";
    let subgraphs = coordinate ? ownersIn(now, coordinate) : [];
    if (coordinate && subgraphs.length === 0) {
      before ??= subgraphsOfSupergraph(baseSupergraphSdl);
      subgraphs = ownersIn(before, coordinate);
    }
    return {
      level: change.criticality.level,
      type: String(change.type),
      coordinate,
      message: change.message,
      reason: change.criticality.reason,
      subgraphs,
    };
  });
}

/** One accepted breaking change in schema-changes.json. */
const announcementSchema = z.strictObject({
  coordinate: z.string().min(1),
  change: z.string().regex(/^[A-Z_]+$/, "a change type as the check prints it, e.g. FIELD_REMOVED"),
  reason: z.string().trim().min(10, "say why clients may lose it (at least 10 characters)"),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "YYYY-MM-DD"),
});

const announcementsFileSchema = z.strictObject({
  $comment: z.string().optional(),
  breakingChanges: z.array(announcementSchema),
});

export type Announcement = z.infer<typeof announcementSchema>;

/** The announced breaking changes of schema-changes.json; throws naming what is wrong with the file. */
export function parseAnnouncements(json: string, fileName = "schema-changes.json"): Announcement[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new Error(`${fileName} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = announcementsFileSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  - ${issue.path.join(".") || "(file)"}: ${issue.message}`);
    throw new Error(`${fileName} is not valid:\n${problems.join("\n")}`);
  }
  return parsed.data.breakingChanges;
}

export function readAnnouncements(file: URL): Announcement[] {
  return parseAnnouncements(readFileSync(file, "utf8"));
}

/** The announcement that accepts a breaking change, if any: same coordinate, same change type. */
export function announcementFor(
  change: SchemaChange,
  announcements: readonly Announcement[],
): Announcement | undefined {
  return announcements.find((a) => a.coordinate === change.coordinate && a.change === change.type);
}

/** The entry to paste into schema-changes.json to announce a breaking change. */
export function announcementTemplate(change: SchemaChange, today: Date): Announcement {
  return {
    coordinate: change.coordinate,
    change: change.type,
    reason: "<why clients may lose this, and what they use instead>",
    date: today.toISOString().slice(0, 10),
  };
}
