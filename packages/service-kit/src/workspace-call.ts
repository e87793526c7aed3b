import { ACTOR_CONTEXT_HEADER } from "@support/actor-context";
import { REQUEST_ID_HEADER } from "@support/logger";
import type { FastifyRequest } from "fastify";

/** How long a service waits for another service's internal endpoint before failing the request. */
export const WORKSPACE_CALL_TIMEOUT_MS = 5_000;

/**
 * POSTs to one of another service's internal endpoints on behalf of the end user (docs/adr/0003,
 * 0004): the gateway-signed actor context the caller received is forwarded, so the other service
 * authorizes that user, never the calling service. A hung service must not hold the user's
 * request open: the call is aborted after the timeout and fails as an internal error (closed,
 * never a grant).
 */
export async function postInternal(
  target: { service: string; baseUrl: string },
  request: Pick<FastifyRequest, "headers" | "id">,
  path: string,
  body: unknown,
  timeoutMs = WORKSPACE_CALL_TIMEOUT_MS,
): Promise<Response> {
  const actorContext = request.headers[ACTOR_CONTEXT_HEADER];
  try {
    return await fetch(`${target.baseUrl}${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        [ACTOR_CONTEXT_HEADER]: Array.isArray(actorContext) ? (actorContext[0] ?? "") : (actorContext ?? ""),
        [REQUEST_ID_HEADER]: request.id,
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new Error(
      `${target.service} ${path} did not answer: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/** `postInternal` to the workspace service, which most internal calls go to. */
export function postToWorkspace(
  workspaceServiceUrl: string,
  request: Pick<FastifyRequest, "headers" | "id">,
  path: string,
  body: unknown,
  timeoutMs?: number,
): Promise<Response> {
  return postInternal({ service: "workspace", baseUrl: workspaceServiceUrl }, request, path, body, timeoutMs);
}
