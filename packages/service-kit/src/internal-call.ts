import {
  ACTOR_CONTEXT_HEADER,
  ActorContextSigner,
  type ActorContext,
  type ActorContextKey,
} from "@support/actor-context";
import { serviceUnavailable, unauthenticated } from "@support/errors";
import { REQUEST_ID_HEADER } from "@support/logger";
import type { FastifyRequest } from "fastify";
import { request as undiciRequest } from "undici";

/** How long a service waits for another service's internal endpoint before failing the request. */
export const INTERNAL_CALL_TIMEOUT_MS = 5_000;

/**
 * Signs the contexts of this process's service-to-service calls (audience `internal`,
 * docs/adr/0005) with the first of its ACTOR_CONTEXT_KEYS; set by `requireActorContext`, which
 * every service runs at start-up. One signer per process: a process holds one key set.
 */
let internalSigner: ActorContextSigner | null = null;

export function useKeyForInternalCalls(key: ActorContextKey): void {
  internalSigner = new ActorContextSigner(key, "internal");
}

/** The request a call is made for: its id, and the actor context the service verified for it. */
export type InternalCallRequest = Pick<FastifyRequest, "headers" | "id"> & { actorContext?: ActorContext | null };

/**
 * The context of a call made on behalf of `request`'s caller: the same actor and client address
 * the service verified, signed for an internal route. A request without a verified context has
 * nobody to call on behalf of: UNAUTHENTICATED, never a call with nothing.
 */
export function internalActorContext(request: InternalCallRequest): Promise<string> {
  const verified = request.actorContext;
  if (!verified) throw unauthenticated("Missing actor context");
  if (!internalSigner) throw new Error("internal calls are signed with the key requireActorContext was given");
  return internalSigner.sign(verified.actor, verified.clientAddress);
}

/**
 * Another service's answer to an internal call, read whole within the call's timeout: internal
 * answers are small JSON documents, and reading them here lets the timeout end with the call.
 */
export interface InternalAnswer {
  status: number;
  ok: boolean;
  /** The answer's content type, or null without one. */
  contentType: string | null;
  json(): unknown;
}

/**
 * POSTs a JSON body to another process of the platform and reads the answer whole, all within
 * `timeoutMs` (aborted with a TimeoutError after it): undici's `request` and a timer cleared once
 * the answer is read, not `fetch` and `AbortSignal.timeout`, whose objects outlived every call
 * through the young generation's collections (docs/adr/0032). Rejects on a refused or lost
 * connection and on the timeout; any HTTP status is an answer. For `postInternal` and the
 * gateway's authentication calls.
 */
export async function postJsonWithin(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<InternalAnswer> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new DOMException("internal call timed out", "TimeoutError")), timeoutMs);
  try {
    const response = await undiciRequest(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
      signal: timeout.signal,
    });
    const text = await response.body.text();
    const { statusCode: status } = response;
    const contentType = response.headers["content-type"];
    return {
      status,
      ok: status >= 200 && status < 300,
      contentType: (Array.isArray(contentType) ? contentType[0] : contentType) ?? null,
      json: () => JSON.parse(text) as unknown,
    };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * POSTs to one of another service's internal endpoints on behalf of the end user (docs/adr/0003,
 * 0004): the actor the gateway vouched for is passed on, signed for an internal route (the
 * gateway's own context is not accepted there), so the other service authorizes that user, never
 * the calling service. A hung service must not hold the user's request open: the call, body
 * included, is aborted after the timeout (`postJsonWithin`). A call that gets no answer fails as
 * SERVICE_UNAVAILABLE (closed, never a grant; the client may retry). A `readOnly` call is sent once
 * more when the connection was lost before an answer (an instance behind the service's name died
 * with the request): asking again changes nothing. Other calls are not, since the lost one may
 * have been applied.
 */
export async function postInternal(
  target: { service: string; baseUrl: string },
  request: InternalCallRequest,
  path: string,
  body: unknown,
  timeoutMs = INTERNAL_CALL_TIMEOUT_MS,
  options: { readOnly?: boolean } = {},
): Promise<InternalAnswer> {
  const actorContext = await internalActorContext(request);
  const payload = JSON.stringify(body);
  const send = () =>
    postJsonWithin(
      `${target.baseUrl}${path}`,
      { [ACTOR_CONTEXT_HEADER]: actorContext, [REQUEST_ID_HEADER]: request.id },
      payload,
      timeoutMs,
    );
  try {
    try {
      return await send();
    } catch (error) {
      if (!options.readOnly || isTimeout(error)) throw error;
      return await send();
    }
  } catch (error) {
    const unavailable = serviceUnavailable(`The ${target.service} service did not answer; try again`);
    unavailable.cause = new Error(`${target.service} ${path} did not answer`, { cause: error });
    throw unavailable;
  }
}

/** Whether a fetch failed because its own timeout aborted it (the other side may still be working). */
function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
}

/**
 * Another service answered 503, its own outage (its database, or a service it asks in turn): ours
 * too, as SERVICE_UNAVAILABLE (the client may retry), never an internal error or a "not found".
 */
export function failIfUnavailable(answer: InternalAnswer, service: string): void {
  if (answer.status !== 503) return;
  throw serviceUnavailable(`The ${service} service is unavailable; try again`);
}

/** `postInternal` to the workspace service, which most internal calls go to. */
export function postToWorkspace(
  workspaceServiceUrl: string,
  request: InternalCallRequest,
  path: string,
  body: unknown,
  timeoutMs?: number,
  options?: { readOnly?: boolean },
): Promise<InternalAnswer> {
  return postInternal({ service: "workspace", baseUrl: workspaceServiceUrl }, request, path, body, timeoutMs, options);
}
