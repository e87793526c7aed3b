import { z } from "zod";
import { instantText, singleLineText } from "@support/validation";

// Within what timestamptz holds: 2024-02-30 or year 0000 is BAD_USER_INPUT, not a database error.
const instant = instantText();

/**
 * The filter of activityLog, exportActivityLog and the export files (stored with the export);
 * each field is served by an index of activity_entry (db/entries.ts).
 */
export const activityFilter = z
  .object({
    category: singleLineText({ max: 100 }).nullish(),
    action: singleLineText({ max: 100 }).nullish(),
    actorId: z.string().uuid().nullish(),
    targetType: singleLineText({ max: 100 }).nullish(),
    targetId: singleLineText({ max: 200 }).nullish(),
    from: instant.nullish(),
    to: instant.nullish(),
  })
  .nullish();
export type ActivityFilter = z.infer<typeof activityFilter>;
