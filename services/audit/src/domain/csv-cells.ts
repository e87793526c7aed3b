/**
 * A cell a spreadsheet would run as a formula (leading `=`, `+`, `-`, `@`, tab or carriage
 * return) is prefixed with an apostrophe, so it opens as text (OWASP's CSV injection advice).
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function neutraliseCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}
