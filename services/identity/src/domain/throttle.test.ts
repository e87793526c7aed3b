import { describe, expect, test } from "@jest/globals";
import { clientAddressKey, retryAfterSeconds, throttleKeys } from "./throttle.js";

describe("throttling keys", () => {
  test("one counter per account, whatever the email's case or spacing", () => {
    expect(throttleKeys(" Ada@Example.TEST ", "10.0.0.1").email).toBe(
      throttleKeys("ada@example.test", "10.0.0.2").email,
    );
  });

  test("IPv4 addresses count alone; IPv4-mapped IPv6 is the same IPv4 address", () => {
    expect(clientAddressKey("10.0.0.1")).toBe("10.0.0.1");
    expect(clientAddressKey("::ffff:10.0.0.1")).toBe("10.0.0.1");
    expect(clientAddressKey("10.0.0.1")).not.toBe(clientAddressKey("10.0.0.2"));
  });

  test("IPv6 addresses count per /64", () => {
    const a = clientAddressKey("2001:db8:1:2::1");
    expect(a).toBe(clientAddressKey("2001:0db8:0001:0002:ffff:ffff:ffff:ffff"));
    expect(a).not.toBe(clientAddressKey("2001:db8:1:3::1"));
  });

  test("an unparsable address still gets its own counter", () => {
    expect(clientAddressKey("")).toBe("unknown");
    expect(clientAddressKey("garbage")).toBe("garbage");
  });

  test("email and address counters never share a key", () => {
    const keys = throttleKeys("x@example.test", "x@example.test");
    expect(keys.email).not.toBe(keys.address);
  });

  test("retry-after is whole seconds, at least 1", () => {
    expect(retryAfterSeconds(0)).toBe(1);
    expect(retryAfterSeconds(1001)).toBe(2);
    expect(retryAfterSeconds(900_000)).toBe(900);
  });
});
