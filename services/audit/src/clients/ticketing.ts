import type { FastifyRequest } from "fastify";
import { failIfUnavailable, postInternal } from "@support/service-kit";

/** The ticketing service's bound on one question (services/ticketing/src/ticket-visibility.ts). */
const MAX_TICKET_IDS = 1_000;

/**
 * The ticketing service, as the audit service calls it: which tickets the caller may see now
 * (docs/adr/0013), forwarding the caller's actor context. Ticketing applies `tickets:view` and the
 * role's ticket access to the tickets' current assignee and team, so a reassignment counts at once.
 * Anything but an answer fails (closed): an entry is never shown because ticketing could not be asked.
 */
export class TicketingClient {
  constructor(
    private readonly ticketingUrl: string,
    private readonly request: Pick<FastifyRequest, "headers" | "id">,
  ) {}

  /** The ids among `ticketIds` the caller may see (one call per 1,000 ids; a page of the log needs one). */
  async among(workspaceId: string, ticketIds: readonly string[]): Promise<Set<string>> {
    const visible = new Set<string>();
    for (let start = 0; start < ticketIds.length; start += MAX_TICKET_IDS) {
      const chunk = ticketIds.slice(start, start + MAX_TICKET_IDS);
      for (const id of await this.ask({ workspaceId, ticketIds: chunk })) visible.add(id);
    }
    return visible;
  }

  /** Every ticket of the workspace the caller may see: asked once when an export starts streaming. */
  async all(workspaceId: string): Promise<Set<string>> {
    return new Set(await this.ask({ workspaceId, all: true }));
  }

  private async ask(body: { workspaceId: string; ticketIds?: readonly string[]; all?: true }): Promise<string[]> {
    const response = await postInternal(
      { service: "ticketing", baseUrl: this.ticketingUrl },
      this.request,
      "/internal/tickets/visible",
      body,
      undefined,
      { readOnly: true },
    );
    // The caller lost the workspace between the permission look-up and this call: nothing is visible.
    if (response.status === 404) return [];
    // Ticketing's own outage (its database, or the workspace service it asks) is ours: the reader retries.
    failIfUnavailable(response, "ticketing");
    if (!response.ok) throw new Error(`ticket visibility look-up failed with HTTP ${response.status}`);
    const { ticketIds } = response.json() as { ticketIds: string[] };
    return ticketIds;
  }
}
