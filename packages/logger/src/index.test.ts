import { Writable } from "node:stream";
import { describe, expect, test } from "@jest/globals";
import { createLogger } from "./index.js";

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
