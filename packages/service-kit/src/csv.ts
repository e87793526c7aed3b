import { stringify, type Stringifier } from "csv-stringify";

/**
 * A cell a spreadsheet would run as a formula (leading `=`, `+`, `-`, `@`, tab or carriage
 * return) is prefixed with an apostrophe, so it opens as text (OWASP's CSV injection advice).
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function neutraliseCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** A streaming CSV writer (csv-stringify) with a header row, dates as ISO-8601 and formula-like cells neutralised. */
export function csvWriter(columns: readonly string[]): Stringifier {
  return stringify({
    header: true,
    columns: [...columns],
    cast: { date: (value) => value.toISOString(), string: neutraliseCell, boolean: (value) => String(value) },
  });
}
