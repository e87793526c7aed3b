import { createEvent, enqueueEvents, topicFor, type NewEvent } from "@support/events";
import type { Tx } from "../db/client.js";

const TOPIC = topicFor("identity");

/** Identity's events go through its outbox, in the caller's transaction. */
export async function publish(tx: Tx, ...events: NewEvent[]): Promise<void> {
  await enqueueEvents(
    tx,
    TOPIC,
    events.map((event) => createEvent(event)),
  );
}
