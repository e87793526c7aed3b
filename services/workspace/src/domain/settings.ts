import { DEFAULT_TOGGLES, type MemberToggles } from "@support/permissions";

export const TOGGLE_NAMES = Object.keys(DEFAULT_TOGGLES) as Array<keyof MemberToggles>;

/** The toggles out of a row that stores each one as a column of the same name. */
export function togglesOf(row: MemberToggles): MemberToggles {
  return Object.fromEntries(TOGGLE_NAMES.map((name) => [name, row[name]])) as unknown as MemberToggles;
}
