import { Writable } from "node:stream";
import { describe, expect, test } from "@jest/globals";
import { createLogger, logRequestCompleted } from "./index.js";

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString("utf8"));
      done();
    },
  });
  return { lines, stream };
}

describe("secrets never reach a log line", () => {
  test("GraphQL variables, request bodies and Authorization headers are redacted wherever they sit", () => {
    const { lines, stream } = capture();
    const logger = createLogger({ service: "test" }, stream);
    logger.info(
      {
        variables: { token: "inv_SECRET1", password: "SECRET2", input: { password: "SECRET3", token: "SECRET4" } },
        body: { variables: { password: "SECRET5", token: "sess_SECRET6", input: { password: "SECRET7" } } },
        request: { headers: { authorization: "Bearer sess_SECRET8" } },
        req: { headers: { authorization: "Bearer sk_SECRET9" } },
      },
      "a request",
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/SECRET/);
  });
});

describe("the request-completed line", () => {
  test("names the request, its status and time, and never its query string", () => {
    const { lines, stream } = capture();
    const logger = createLogger({ service: "test" }, stream);
    const variables = encodeURIComponent(JSON.stringify({ input: { password: "SECRET1" } }));
    logRequestCompleted(
      logger,
      { id: "req-1", method: "GET", url: `/graphql?variables=${variables}`, hostname: "h", ip: "10.0.0.1" },
      200,
      1.5,
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/SECRET/);
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({
      service: "test",
      reqId: "req-1",
      req: { id: "req-1", method: "GET", url: "/graphql?[redacted]", remoteAddress: "10.0.0.1" },
      res: { statusCode: 200 },
      responseTime: 1.5,
      msg: "request completed",
    });
  });
});
