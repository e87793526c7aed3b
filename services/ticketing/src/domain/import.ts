/**
 * Ticket imports (SPEC section 7): CSV rows mapped onto ticket fields, every row checked before
 * anything is written. No I/O: the caller parses the CSV and brings the workspace's directory.
 */
import { checkFieldValue, type FieldDefinition, type FieldValueInput, type StoredValue } from "./fields.js";
import { TICKET_PRIORITIES, TICKET_STATUSES, type TicketPriority, type TicketStatus } from "./tickets.js";

export const MAX_IMPORT_ROWS = 5_000;
export const MAX_IMPORT_BYTES = 2 * 1024 * 1024;
/** At most this many problems are reported; the import is refused either way. */
export const MAX_REPORTED_PROBLEMS = 100;

export interface ImportMapping {
  title: string;
  description?: string | null;
  status?: string | null;
  priority?: string | null;
  assigneeEmail?: string | null;
  teamName?: string | null;
  fields?: ReadonlyArray<{ fieldId: string; column: string }> | null;
}

export interface ImportDirectory {
  /** Members of the workspace by lower-cased email. */
  memberIdByEmail: ReadonlyMap<string, string>;
  /** Active teams of the workspace by name. */
  teamIdByName: ReadonlyMap<string, string>;
  fields: ReadonlyMap<string, FieldDefinition & { name: string }>;
}

/** One problem of an import, in the graph's problem shape (`{ field, message, row, column }`). */
export interface ImportProblem {
  /** The argument at fault: `csv` for the file's rows, `mapping.title`, `mapping.fields.0` for the mapping. */
  field: string;
  /** 1-based data row (the header is row 0); 0 for problems of the mapping or the file. */
  row: number;
  /** The CSV column, by its header; absent for problems of the whole file. */
  column?: string;
  message: string;
}

export interface PlannedTicket {
  title: string;
  description: string;
  status: TicketStatus;
  priority: TicketPriority;
  assigneeId: string | null;
  teamId: string | null;
  fieldValues: Record<string, StoredValue>;
}

/** Text checks of the ticket's own columns, supplied by the caller (the API's validators). */
export interface TextChecks {
  title(value: string): string | null;
  description(value: string): string | null;
}

const TRUE = new Set(["true", "yes", "y", "1"]);
const FALSE = new Set(["false", "no", "n", "0"]);

/** A CSV cell as the field value input its type takes; empty cells clear nothing (no value). */
function fieldInput(field: FieldDefinition, fieldId: string, raw: string): FieldValueInput | string {
  switch (field.type) {
    case "TEXT":
      return { fieldId, text: raw };
    case "NUMBER": {
      const number = Number(raw.replace(/\s/g, ""));
      return raw.trim() === "" || !Number.isFinite(number) ? "must be a number" : { fieldId, number };
    }
    case "BOOLEAN": {
      const value = raw.trim().toLowerCase();
      if (TRUE.has(value)) return { fieldId, boolean: true };
      if (FALSE.has(value)) return { fieldId, boolean: false };
      return "must be true or false (also yes/no, 1/0)";
    }
    case "DATE":
      return { fieldId, date: raw.trim() };
    case "SINGLE_SELECT":
      return { fieldId, option: raw.trim() };
  }
}

/** Checks the mapping against the header and every row against the workspace; all problems, or the tickets. */
export function planImport(
  header: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  mapping: ImportMapping,
  directory: ImportDirectory,
  checks: TextChecks,
): { ok: true; tickets: PlannedTicket[] } | { ok: false; problems: ImportProblem[] } {
  const problems: ImportProblem[] = [];
  const columnIndex = new Map(header.map((name, index) => [name, index]));
  const indexOf = (what: string, column: string | null | undefined): number | null => {
    if (column === undefined || column === null) return null;
    const index = columnIndex.get(column);
    if (index === undefined)
      problems.push({ field: `mapping.${what}`, row: 0, column, message: `the CSV has no column "${column}"` });
    return index ?? null;
  };
  const title = indexOf("title", mapping.title);
  const description = indexOf("description", mapping.description);
  const status = indexOf("status", mapping.status);
  const priority = indexOf("priority", mapping.priority);
  const assignee = indexOf("assigneeEmail", mapping.assigneeEmail);
  const team = indexOf("teamName", mapping.teamName);
  const fields = (mapping.fields ?? []).map((f, i) => {
    const definition = directory.fields.get(f.fieldId);
    if (!definition)
      problems.push({
        field: `mapping.fields.${i}.fieldId`,
        row: 0,
        column: f.column,
        message: "no such ticket field",
      });
    return { fieldId: f.fieldId, column: f.column, index: indexOf(`fields.${i}`, f.column), definition };
  });
  if (problems.length > 0) return { ok: false, problems };

  const tickets: PlannedTicket[] = [];
  rows.forEach((cells, i) => {
    const row = i + 1;
    const cell = (index: number | null) => (index === null ? "" : (cells[index] ?? ""));
    const problem = (column: string, message: string) => {
      if (problems.length < MAX_REPORTED_PROBLEMS) problems.push({ field: "csv", row, column, message });
    };
    const ticket: PlannedTicket = {
      title: cell(title).trim(),
      description: cell(description),
      status: "OPEN",
      priority: "NORMAL",
      assigneeId: null,
      teamId: null,
      fieldValues: {},
    };
    const titleProblem = checks.title(ticket.title);
    if (titleProblem) problem(mapping.title, titleProblem);
    const descriptionProblem = description === null ? null : checks.description(ticket.description);
    if (descriptionProblem) problem(mapping.description!, descriptionProblem);
    const statusText = cell(status)
      .trim()
      .toUpperCase()
      .replace(/[\s-]+/g, "_");
    if (statusText) {
      if ((TICKET_STATUSES as readonly string[]).includes(statusText)) ticket.status = statusText as TicketStatus;
      else problem(mapping.status!, `must be one of ${TICKET_STATUSES.join(", ")}`);
    }
    const priorityText = cell(priority).trim().toUpperCase();
    if (priorityText) {
      if ((TICKET_PRIORITIES as readonly string[]).includes(priorityText))
        ticket.priority = priorityText as TicketPriority;
      else problem(mapping.priority!, `must be one of ${TICKET_PRIORITIES.join(", ")}`);
    }
    const email = cell(assignee).trim().toLowerCase();
    if (email) {
      ticket.assigneeId = directory.memberIdByEmail.get(email) ?? null;
      if (!ticket.assigneeId) problem(mapping.assigneeEmail!, `no member of this workspace has the email "${email}"`);
    }
    const teamName = cell(team).trim();
    if (teamName) {
      ticket.teamId = directory.teamIdByName.get(teamName) ?? null;
      if (!ticket.teamId) problem(mapping.teamName!, `no active team of this workspace is named "${teamName}"`);
    }
    for (const field of fields) {
      const raw = cell(field.index);
      if (!field.definition || raw.trim() === "") continue;
      const input = fieldInput(field.definition, field.fieldId, raw);
      if (typeof input === "string") {
        problem(field.column, input);
        continue;
      }
      const checked = checkFieldValue(field.definition, input);
      if (!checked.ok) problem(field.column, checked.message);
      else if (checked.value !== null) ticket.fieldValues[field.fieldId] = checked.value;
    }
    tickets.push(ticket);
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, tickets };
}
