/** Custom ticket fields (SPEC section 4): a value must fit its field's type and options. No I/O. */
import { z } from "zod";
import { conflict, invalidInput } from "@support/errors";
import {
  CONTROL_CHARACTER_MESSAGE,
  describeForbiddenCharacter,
  hasForbiddenCharacters,
  isCalendarDate,
} from "@support/validation";

export const TICKET_FIELD_TYPES = ["TEXT", "NUMBER", "BOOLEAN", "DATE", "SINGLE_SELECT"] as const;
export type TicketFieldType = (typeof TICKET_FIELD_TYPES)[number];

/** CONFLICT on `input.name`: field names are unique in a workspace, in any case. */
export const fieldNameTaken = (name: string) =>
  conflict(`A ticket field named "${name}" already exists in this workspace`, "input.name");

export interface FieldDefinition {
  id: string;
  type: TicketFieldType;
  options: string[];
}

/** One value as the API takes it: exactly the member that matches the field's type (all null clears it). */
export interface FieldValueInput {
  fieldId: string;
  text?: string | null;
  number?: number | null;
  boolean?: boolean | null;
  /** YYYY-MM-DD */
  date?: string | null;
  option?: string | null;
}

export type StoredValue = string | number | boolean;

const MEMBER_OF = {
  TEXT: "text",
  NUMBER: "number",
  BOOLEAN: "boolean",
  DATE: "date",
  SINGLE_SELECT: "option",
} as const satisfies Record<TicketFieldType, keyof Omit<FieldValueInput, "fieldId">>;

/** A ticket's values as stored: by field id. */
export const storedValues = (ticket: { fieldValues: unknown }): Record<string, StoredValue> =>
  (ticket.fieldValues ?? {}) as Record<string, StoredValue>;

/** The values a create or update sets, at most 100 at once; each is checked against its field later. */
export const fieldValueInputs = z
  .array(
    z.object({
      fieldId: z.string(),
      text: z.string().nullish(),
      number: z.number().nullish(),
      boolean: z.boolean().nullish(),
      date: z.string().nullish(),
      option: z.string().nullish(),
    }),
  )
  .max(100, "at most 100 values at once");

export const MAX_TEXT_VALUE = 2000;

export type FieldValueCheck = { ok: true; value: StoredValue | null } | { ok: false; message: string };

/** The stored value for `input` under `field`, or why it does not fit. */
export function checkFieldValue(field: FieldDefinition, input: FieldValueInput): FieldValueCheck {
  const expected = MEMBER_OF[field.type];
  const given = (Object.keys(MEMBER_OF) as TicketFieldType[])
    .map((type) => MEMBER_OF[type])
    .filter((member) => input[member] !== undefined && input[member] !== null);
  const wrong = given.filter((member) => member !== expected);
  if (wrong.length > 0)
    return { ok: false, message: `a ${field.type} field takes \`${expected}\`, not \`${wrong.join("`, `")}\`` };
  const raw = input[expected];
  if (raw === undefined || raw === null) return { ok: true, value: null };
  switch (field.type) {
    case "TEXT": {
      const text = String(raw).trim();
      // The text rules of every other input: line breaks yes; ESC, BEL, bidi overrides, lone surrogates no.
      if (hasForbiddenCharacters(text, true))
        return { ok: false, message: describeForbiddenCharacter(text, true) ?? CONTROL_CHARACTER_MESSAGE };
      if (text.length > MAX_TEXT_VALUE) return { ok: false, message: `must be at most ${MAX_TEXT_VALUE} characters` };
      return { ok: true, value: text };
    }
    case "NUMBER":
      return typeof raw === "number" && Number.isFinite(raw)
        ? { ok: true, value: raw }
        : { ok: false, message: "must be a finite number" };
    case "BOOLEAN":
      return { ok: true, value: Boolean(raw) };
    case "DATE":
      return isCalendarDate(String(raw))
        ? { ok: true, value: String(raw) }
        : { ok: false, message: "must be a date YYYY-MM-DD" };
    case "SINGLE_SELECT":
      return field.options.includes(String(raw))
        ? { ok: true, value: String(raw) }
        : { ok: false, message: `must be one of the field's options (${field.options.join(", ")})` };
  }
}

/** YYYY-MM-DD, a real calendar day in the years 0001-9999 (the one check of @support/validation). */
export { isCalendarDate };

/** Checks every value against its field; the first problem names its path (`fieldValues.<i>`). */
export function applyFieldValues(
  current: Record<string, StoredValue>,
  inputs: FieldValueInput[],
  fields: Map<string, FieldDefinition>,
): { ok: true; values: Record<string, StoredValue> } | { ok: false; path: string; message: string } {
  const next = { ...current };
  const seen = new Set<string>();
  for (const [index, input] of inputs.entries()) {
    const field = fields.get(input.fieldId);
    if (!field)
      return { ok: false, path: `fieldValues.${index}.fieldId`, message: "no such ticket field in this workspace" };
    if (seen.has(field.id)) return { ok: false, path: `fieldValues.${index}.fieldId`, message: "given twice" };
    seen.add(field.id);
    const check = checkFieldValue(field, input);
    if (!check.ok) return { ok: false, path: `fieldValues.${index}`, message: check.message };
    if (check.value === null) delete next[field.id];
    else next[field.id] = check.value;
  }
  return { ok: true, values: next };
}

/** `current` with `inputs` applied, each checked against its field; BAD_USER_INPUT under `input` naming the first that does not fit. */
export function checkedFieldValues(
  current: Record<string, StoredValue>,
  inputs: FieldValueInput[],
  fields: readonly FieldDefinition[],
): Record<string, StoredValue> {
  const result = applyFieldValues(current, inputs, new Map(fields.map((field) => [field.id, field])));
  if (!result.ok) throw invalidInput([{ path: result.path.split("."), message: result.message }], ["input"]);
  return result.values;
}

/** A ticket's value of `field` as the graph answers it: in the member of the field's type. */
export function fieldValueOf<Field extends { type: TicketFieldType }>(
  field: Field,
  value: StoredValue,
): { field: Field; text?: string; number?: number; boolean?: boolean; date?: string; option?: string } {
  // Each value was checked against its field when written (checkFieldValue): it is of the type's kind.
  switch (field.type) {
    case "TEXT":
      return { field, text: value as string };
    case "NUMBER":
      return { field, number: value as number };
    case "BOOLEAN":
      return { field, boolean: value as boolean };
    case "DATE":
      return { field, date: value as string };
    case "SINGLE_SELECT":
      return { field, option: value as string };
  }
}

/** Options of a select field: trimmed, non-blank, unique. */
export function checkOptions(type: TicketFieldType, options: string[]): string | null {
  if (type !== "SINGLE_SELECT") return options.length > 0 ? "only SINGLE_SELECT fields have options" : null;
  if (options.length === 0) return "a SINGLE_SELECT field needs at least one option";
  if (new Set(options).size !== options.length) return "options must be unique";
  return null;
}
