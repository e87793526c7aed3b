import { z } from "zod";

/**
 * The one strict date-time check of every service (issue 19): an ISO 8601 instant with its
 * offset (`2024-02-29T10:00:00Z`, `…+02:00`), a real calendar day (zod's ISO check refuses
 * 2024-02-30, which `Date.parse` quietly turns into 1 March), and within the years 0001-9999 once
 * in UTC: what JavaScript, ISO 8601 without extensions and PostgreSQL's timestamptz all hold the
 * same way. Year 0000 (1 BC to PostgreSQL) and five-digit years are refused before any query.
 */
const ISO_INSTANT = z.iso.datetime({ offset: true });
const ISO_DATE = z.iso.date();

export const INSTANT_MESSAGE = "must be an ISO 8601 date-time with an offset, between years 0001 and 9999";
export const DATE_MESSAGE = "must be a date YYYY-MM-DD between years 0001 and 9999";

const inYearRange = (at: Date) => {
  const year = at.getUTCFullYear();
  return !Number.isNaN(at.getTime()) && year >= 1 && year <= 9999;
};

/** Whether `value` is an instant every service and database holds (see above). */
export function isInstant(value: unknown): value is string {
  return typeof value === "string" && ISO_INSTANT.safeParse(value).success && inYearRange(new Date(value));
}

/** The instant as a Date, or null for anything `isInstant` refuses. */
export function parseInstant(value: unknown): Date | null {
  return isInstant(value) ? new Date(value) : null;
}

/** Whether `value` is a calendar day `YYYY-MM-DD` in the years 0001-9999 (2024-02-30 is not). */
export function isCalendarDate(value: unknown): value is string {
  return typeof value === "string" && ISO_DATE.safeParse(value).success && !value.startsWith("0000");
}

/** A zod schema of `isInstant` strings, for GraphQL arguments (`from`, `to`, `createdFrom`…). */
export const instantText = (message = INSTANT_MESSAGE) => z.string().refine(isInstant, { message });

/** A zod schema of `isCalendarDate` strings. */
export const calendarDateText = (message = DATE_MESSAGE) => z.string().refine(isCalendarDate, { message });
