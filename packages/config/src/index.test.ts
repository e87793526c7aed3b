import { describe, expect, test } from "@jest/globals";
import { ConfigError, loadConfig, serviceEnv } from "./index.js";

const VALID = {
  PORT: "4001",
  DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/support_identity",
  KAFKA_BROKERS: "127.0.0.1:19092, broker-2.internal:9092",
  ACTOR_CONTEXT_SECRET: "x".repeat(32),
};

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(serviceEnv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("the configuration was accepted");
}

describe("loadConfig with the service variables", () => {
  test("parses a valid environment, with defaults and the broker list split", () => {
    expect(loadConfig(serviceEnv, VALID)).toEqual({
      PORT: 4001,
      HOST: "127.0.0.1",
      DATABASE_URL: VALID.DATABASE_URL,
      KAFKA_BROKERS: ["127.0.0.1:19092", "broker-2.internal:9092"],
      ACTOR_CONTEXT_SECRET: VALID.ACTOR_CONTEXT_SECRET,
      LOG_LEVEL: "info",
      LOG_SQL_STATEMENTS: false,
    });
  });

  test.each([
    ["DATABASE_URL", undefined, /^DATABASE_URL is not set/],
    ["DATABASE_URL", "mysql://db/x", /^DATABASE_URL is malformed: must be a postgresql:\/\/ URL/],
    ["KAFKA_BROKERS", undefined, /^KAFKA_BROKERS is not set/],
    ["KAFKA_BROKERS", "localhost", /^KAFKA_BROKERS is malformed: must be host:port/],
    ["KAFKA_BROKERS", "a:1,b", /^KAFKA_BROKERS is malformed: must be host:port/],
    ["KAFKA_BROKERS", "", /^KAFKA_BROKERS is malformed/],
    ["PORT", undefined, /^PORT is not set/],
    ["PORT", "http", /^PORT is malformed/],
    ["PORT", "70000", /^PORT is malformed/],
    ["PORT", "", /^PORT is malformed/],
    ["PORT", "80.5", /^PORT is malformed/],
    ["ACTOR_CONTEXT_SECRET", "short", /^ACTOR_CONTEXT_SECRET is malformed: must be at least 32 characters/],
    ["LOG_LEVEL", "loud", /^LOG_LEVEL is malformed/],
  ])("%s=%j is refused with a message naming it", (name, value, message) => {
    const env: NodeJS.ProcessEnv = { ...VALID, [name]: value };
    if (value === undefined) delete env[name];
    expect(problemsOf(env)).toEqual([expect.stringMatching(message)]);
  });

  test("every problem is listed, one per variable", () => {
    const problems = problemsOf({ PORT: "x", KAFKA_BROKERS: "nope" });
    expect(problems.map((p) => p.split(" ")[0]).sort()).toEqual([
      "ACTOR_CONTEXT_SECRET",
      "DATABASE_URL",
      "KAFKA_BROKERS",
      "PORT",
    ]);
  });
});
