import { describe, expect, test } from "@jest/globals";
import { startStack } from "./stack.js";

describe("startStack's ports", () => {
  test("a base port whose instances would land on a port fetch refuses is named before anything starts", async () => {
    const log: string[] = [];
    // basePort 5050 with two replicas puts the gateway's first instance on 5060 (SIP), which fetch refuses.
    await expect(
      startStack({
        basePort: 5050,
        replicas: 2,
        databaseSuffix: "_never_created",
        freshDatabases: true,
        logDir: "/nonexistent",
        log: (line) => log.push(line),
      }),
    ).rejects.toThrow("the stack would use ports 5050–5083, and fetch refuses port 5060: choose another base port");
    expect(log).toEqual([]);
  });
});
