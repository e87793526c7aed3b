import { z } from "zod";

/**
 * The one schema for names and free text that people type, used by every service.
 *
 * Refused everywhere: NUL and the other C0/C1 control characters (they break logs, CSV cells
 * and PostgreSQL's text type), and the bidirectional formatting characters that make text
 * display in another order than it is stored (`invoice\u202Egpj.exe` shows as
 * `invoiceexe.jpg`). Line breaks (and tabs) are allowed only in multi-line fields.
 */

/** C0 and C1 control characters, DEL included. */
const CONTROL = "\\u0000-\\u001F\\u007F-\\u009F";
/** Bidirectional embeddings, overrides and isolates, plus the implicit marks (LRM, RLM, ALM). */
const BIDI = "\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069";
/** Line separator / paragraph separator: line breaks that most renderers do not expect. */
const UNICODE_LINE_BREAKS = "\\u2028\\u2029";

/**
 * A lone UTF-16 surrogate: half of a pair, not a character. In `u` mode a well-formed pair is one
 * code point and does not match; PostgreSQL would store a lone one altered (as U+FFFD).
 */
const LONE_SURROGATE = "\\p{Surrogate}";

const SINGLE_LINE_FORBIDDEN = new RegExp(`[${CONTROL}${BIDI}${UNICODE_LINE_BREAKS}]|${LONE_SURROGATE}`, "u");
/** Multi-line text may hold \n, \r and \t; nothing else from the control range. */
const MULTI_LINE_FORBIDDEN = new RegExp(
  `[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F${BIDI}${UNICODE_LINE_BREAKS}]|${LONE_SURROGATE}`,
  "u",
);

export const CONTROL_CHARACTER_MESSAGE = "must not contain control or bidirectional formatting characters";
export const LONE_SURROGATE_MESSAGE = "must not contain a lone UTF-16 surrogate (half of a character)";

export interface TextOptions {
  /** Shortest length after trimming; default 1 (blank is refused). Use 0 to allow blank. */
  min?: number;
  /** Longest length after trimming, in UTF-16 code units. */
  max: number;
}

function describeFirstForbidden(value: string, pattern: RegExp): string {
  const found = pattern.exec(value)?.[0] ?? "";
  const code = found.codePointAt(0)?.toString(16).toUpperCase().padStart(4, "0") ?? "????";
  const isSurrogate = /\p{Surrogate}/u.test(found);
  return `${isSurrogate ? LONE_SURROGATE_MESSAGE : CONTROL_CHARACTER_MESSAGE} (found U+${code})`;
}

/** What `hasForbiddenCharacters` found, as a field's message; null when the text is fine. */
export function describeForbiddenCharacter(value: string, multiLine = false): string | null {
  const pattern = multiLine ? MULTI_LINE_FORBIDDEN : SINGLE_LINE_FORBIDDEN;
  return pattern.test(value) ? describeFirstForbidden(value, pattern) : null;
}

/** A one-line name or label: trimmed, no line breaks, no control or bidi characters. */
export function singleLineText({ min = 1, max }: TextOptions) {
  return z
    .string()
    .superRefine((value, ctx) => {
      if (SINGLE_LINE_FORBIDDEN.test(value))
        ctx.addIssue({ code: "custom", message: describeFirstForbidden(value, SINGLE_LINE_FORBIDDEN) });
    })
    .transform((value) => value.trim())
    .pipe(
      z
        .string()
        .min(min, min <= 1 ? "must not be blank" : `must be at least ${min} characters`)
        .max(max, `must be at most ${max} characters`),
    );
}

/** Free text such as a description or a reply: line breaks and tabs allowed, other controls and bidi not. */
export function multiLineText({ min = 0, max }: TextOptions) {
  return z
    .string()
    .superRefine((value, ctx) => {
      if (MULTI_LINE_FORBIDDEN.test(value))
        ctx.addIssue({ code: "custom", message: describeFirstForbidden(value, MULTI_LINE_FORBIDDEN) });
    })
    .transform((value) => value.trim())
    .pipe(
      z
        .string()
        .min(min, min <= 1 ? "must not be blank" : `must be at least ${min} characters`)
        .max(max, `must be at most ${max} characters`),
    );
}

/** Whether a string holds a character that no single-line field accepts (for non-zod call sites). */
export function hasForbiddenCharacters(value: string, multiLine = false): boolean {
  return (multiLine ? MULTI_LINE_FORBIDDEN : SINGLE_LINE_FORBIDDEN).test(value);
}

/** Common shapes, so that one kind of field has one limit everywhere. */
export const personNameText = () => singleLineText({ max: 100 });
export const entityNameText = () => singleLineText({ max: 100 });
export const descriptionText = () => multiLineText({ max: 10_000 });
