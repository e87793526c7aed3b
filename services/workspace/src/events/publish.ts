import { outboxPublisher } from "@support/events";
import { permissionsMayChange } from "./permission-changes.js";

/**
 * Workspace's events go through its outbox, in the caller's transaction; the workspaces they name
 * (none for an event of no workspace) are invalidated in every permission cache
 * (cache.invalidations) once the request or consumer transaction is done.
 */
export const publish = outboxPublisher("workspace", {
  beforeEnqueue: (events) => events.forEach((event) => permissionsMayChange(event.workspaceId)),
});
