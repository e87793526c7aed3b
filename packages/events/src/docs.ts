import { z } from "zod";
import { EVENT_REGISTRY, type EventDefinition } from "./registry/index.js";

/** The part of JSON Schema that z.toJSONSchema produces for the registry's `data` schemas. */
interface JsonSchema {
  /** A list for a nullable plain type (`["string", "null"]`). */
  type?: string | string[];
  format?: string;
  title?: string;
  description?: string;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

/** `|` would end a Markdown table cell. */
const cell = (text: string) => text.replaceAll("|", "\\|");

function typeOf(schema: JsonSchema): string {
  if (schema.title) return schema.title;
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(" | ");
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(" | ");
  if (schema.type === "array" && schema.items) {
    const item = typeOf(schema.items);
    return item.includes(" ") ? `(${item})[]` : `${item}[]`;
  }
  if (Array.isArray(schema.type)) return schema.type.join(" | ");
  if (schema.type === "string" && schema.format) return schema.format;
  if (schema.type === "integer" && schema.minimum !== undefined) return `integer ≥ ${schema.minimum}`;
  return schema.type ?? "unknown";
}

/** One row per field; a nested object's fields follow it as `parent.child`. */
function fieldRows(schema: JsonSchema, prefix = ""): string[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).flatMap(([name, field]) => {
    const path = `${prefix}${name}`;
    const nested = field.type === "object" ? fieldRows(field, `${path}.`) : [];
    const type = field.type === "object" ? "object" : typeOf(field);
    const optional = required.has(name) ? "" : " (optional)";
    // A nullable field's description sits on its non-null branch.
    const description = field.description ?? field.anyOf?.find((branch) => branch.description)?.description ?? "";
    return [`| \`${path}\`${optional} | ${cell(type)} | ${cell(description)} |`, ...nested];
  });
}

function section(type: string, definition: EventDefinition): string[] {
  const data = z.toJSONSchema(definition.data) as JsonSchema;
  const rows = fieldRows(data);
  return [
    `## \`${type}\``,
    "",
    definition.description,
    "",
    `Producer **${definition.producer}** · version ${definition.version} · category \`${definition.category}\` · ` +
      `target type \`${definition.targetType}\``,
    "",
    ...(rows.length === 0
      ? ["`data` is empty: the envelope's target and changes say everything."]
      : ["| `data` field | type | description |", "| --- | --- | --- |", ...rows]),
    "",
  ];
}

/**
 * docs/events.md, derived from the event registry so the page can never disagree with what
 * producers and consumers validate (a test compares the checked-in file with this output).
 */
export function eventsMarkdown(): string {
  // Registry order: by producer, then as each producer's file lists them.
  const entries = Object.entries(EVENT_REGISTRY as Record<string, EventDefinition>);
  const lines = [
    "# Event catalogue",
    "",
    "Generated from the event registry (`packages/events/src/registry/`) by `npm run docs:events`;",
    "do not edit by hand.",
    "",
    "Every event is one envelope (docs/adr/0002: id, type, version, workspaceId, organisationId,",
    "actor, occurredAt, target, changes, data). This page lists each type's `data`, which producers",
    "and consumers validate against the registry; `target.type` must be the type's target type.",
    "",
    "| type | producer | version | category | target type |",
    "| --- | --- | --- | --- | --- |",
    ...entries.map(
      ([type, d]) =>
        `| [\`${type}\`](#${type.replaceAll(".", "")}) | ${d.producer} | ${d.version} | ${d.category} | ${d.targetType} |`,
    ),
    "",
    ...entries.flatMap(([type, definition]) => section(type, definition)),
  ];
  return `${lines.join("\n").trimEnd()}\n`;
}
