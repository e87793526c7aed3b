import { z } from "zod";
import { defineEvents } from "./define.js";

/** Events the workspace service publishes. */
export const workspaceEvents = defineEvents({});
// Example entry (delete once real entries exist):
//   "thing.created": {
//     version: 1, category: "workspace", targetType: "thing", producer: "workspace",
//     description: "A thing was created.",
//     data: z.object({ thingId: z.string().uuid(), name: z.string() }),
//   },
void z;
