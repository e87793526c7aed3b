import { z } from "zod";
import type { FastifyRequest } from "fastify";
import { failIfUnavailable, postInternal } from "@support/service-kit";

const answerSchema = z.object({
  people: z.array(
    z.object({
      userId: z.string(),
      orgRole: z.enum(["ORG_ADMIN", "MEMBER"]),
      status: z.enum(["ACTIVE", "DISABLED", "SUSPENDED"]),
    }),
  ),
});
const knownSchema = z.object({ invitationIds: z.array(z.string()) });
export type IdentityPerson = z.infer<typeof answerSchema>["people"][number];

/**
 * Asks identity, the owner of org roles, about people of the caller's organisation, forwarding
 * the caller's gateway-signed actor context (docs/adr/0004). For decisions about someone other
 * than the caller; the caller's own org role is already in their signed context.
 */
export class IdentityClient {
  constructor(
    private readonly identityServiceUrl: string,
    private readonly request: Pick<FastifyRequest, "headers" | "id">,
  ) {}

  /** The person, or null when identity has no such user in the caller's organisation. */
  async person(userId: string): Promise<IdentityPerson | null> {
    const path = "/internal/people/query";
    const response = await postInternal({ service: "identity", baseUrl: this.identityServiceUrl }, this.request, path, {
      userIds: [userId],
    });
    failIfUnavailable(response, "identity");
    if (!response.ok) throw new Error(`identity ${path} answered HTTP ${response.status}`);
    const { people } = answerSchema.parse(response.json());
    return people.find((person) => person.userId === userId) ?? null;
  }

  /**
   * Which of `invitationIds` still hold their seats, as identity says (recorded in the caller's
   * organisation and not revoked, or being recorded). Asked about seat reservations no
   * invitation.sent confirmed: the others were left by an inviteUser that died between reserving
   * and committing, or belong to a revoked invitation whose event has not arrived.
   */
  async knownInvitations(invitationIds: readonly string[]): Promise<Set<string>> {
    const path = "/internal/invitations/known";
    const response = await postInternal(
      { service: "identity", baseUrl: this.identityServiceUrl },
      this.request,
      path,
      { invitationIds },
      undefined,
      { readOnly: true },
    );
    failIfUnavailable(response, "identity");
    if (!response.ok) throw new Error(`identity ${path} answered HTTP ${response.status}`);
    return new Set(knownSchema.parse(response.json()).invitationIds);
  }
}
