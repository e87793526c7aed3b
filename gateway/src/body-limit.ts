import type { FastifyInstance } from "fastify";

/** The most of an over-limit body the gateway reads (and discards) so the client can read its 413. */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;
/** …and for how long; past either, the connection is closed as before. */
const DRAIN_TIMEOUT_MS = 30_000;

/**
 * A body over the limit is answered 413 with a GraphQL-shaped `BAD_USER_INPUT` error, and the
 * client gets to read it even when it sends the whole body at once (Node's fetch, most SDKs) rather
 * than waiting for `100 Continue`. Fastify answers 413 as soon as `content-length` says too much
 * and closes the connection; the client, still writing, then sees only a reset (EPIPE). Here the
 * answer keeps the connection open while the rest of the body is read and thrown away — at most
 * DRAIN_LIMIT_BYTES for at most DRAIN_TIMEOUT_MS, after which the socket is destroyed.
 */
export function answerOversizedBodies(app: FastifyInstance): void {
  app.addHook("onSend", async (request, reply, payload) => {
    if (reply.statusCode !== 413) return payload;
    const raw = request.raw;
    if (raw.complete || raw.destroyed) return payload;
    reply.removeHeader("connection");
    let drained = 0;
    const socket = raw.socket;
    const give = setTimeout(() => socket.destroy(), DRAIN_TIMEOUT_MS);
    give.unref();
    raw.removeAllListeners("data");
    raw.on("data", (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > DRAIN_LIMIT_BYTES) socket.destroy();
    });
    // Once the body has ended the connection is in step again and is kept alive like any other.
    raw.once("end", () => clearTimeout(give));
    raw.once("close", () => clearTimeout(give));
    raw.resume();
    return payload;
  });
}
