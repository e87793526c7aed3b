/** Custom ticket fields (SPEC section 4): a value must fit its field's type and options. No I/O. */
import {
  CONTROL_CHARACTER_MESSAGE,
  describeForbiddenCharacter,
  hasForbiddenCharacters,
  isCalendarDate,
} from "@support/validation";

export type TicketFieldType = "TEXT" | "NUMBER" | "BOOLEAN" | "DATE" | "SINGLE_SELECT";

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

const MEMBER_OF: Record<TicketFieldType, keyof Omit<FieldValueInput, "fieldId">> = {
  TEXT: "text",
  NUMBER: "number",
  BOOLEAN: "boolean",
  DATE: "date",
  SINGLE_SELECT: "option",
};

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

/** Options of a select field: trimmed, non-blank, unique. */
export function checkOptions(type: TicketFieldType, options: string[]): string | null {
  if (type !== "SINGLE_SELECT") return options.length > 0 ? "only SINGLE_SELECT fields have options" : null;
  if (options.length === 0) return "a SINGLE_SELECT field needs at least one option";
  if (new Set(options).size !== options.length) return "options must be unique";
  return null;
}
