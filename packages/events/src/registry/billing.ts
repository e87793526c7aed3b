import { z } from "zod";
import { defineEvents } from "./define.js";

/** Events the billing service publishes. */
export const billingEvents = defineEvents({});
// Example entry (delete once real entries exist):
//   "thing.created": {
//     version: 1, category: "workspace", targetType: "thing", producer: "billing",
//     description: "A thing was created.",
//     data: z.object({ thingId: z.string().uuid(), name: z.string() }),
//   },
void z;
