import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { Db } from "../db/client.js";
import { orgPeople } from "../db/users.js";
import { organisationRoute } from "./organisation-route.js";

const body = z.object({ userIds: z.array(z.string().uuid()).min(1).max(1000) }).strict();

/**
 * `POST /internal/people/query`: org roles and statuses of people of the caller's organisation,
 * for decisions the workspace service makes about someone other than the caller
 * (explainPermission): identity owns org roles, so this answer is exact where workspace's
 * event-fed copy may lag (docs/adr/0004).
 */
export function registerPeopleQueryRoute(app: FastifyInstance, db: Db): void {
  organisationRoute(app, "/internal/people/query", body, "userIds must be 1 to 1000 user ids", async (query, actor) => {
    const people = await orgPeople(db, actor.organisationId, query.userIds);
    return { people: people.map((person) => ({ userId: person.id, orgRole: person.orgRole, status: person.status })) };
  });
}
