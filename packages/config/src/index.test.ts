import { describe, expect, test } from "@jest/globals";
import { ConfigError, loadConfig, serviceEnv } from "./index.js";

const VALID = {
  PORT: "4001",
  DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/support_identity",
  KAFKA_BROKERS: "127.0.0.1:19092, broker-2.internal:9092",
  ACTOR_CONTEXT_KEYS: `current:${"x".repeat(32)}, previous:${"y".repeat(40)}`,
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
      ACTOR_CONTEXT_KEYS: [
        { kid: "current", secret: "x".repeat(32) },
        { kid: "previous", secret: "y".repeat(40) },
      ],
      LOG_LEVEL: "info",
      OUTBOX_RETENTION_DAYS: 7,
      PROCESSED_EVENT_RETENTION_DAYS: 30,
      PARKED_EVENT_RETRY_HOURS: 24,
      LOG_SQL_STATEMENTS: false,
      RELAY_LEADER_TIMEOUT_SECONDS: 30,
      KAFKA_CONSUMER_GROUP_PREFIX: "",
    });
  });

  test.each([
    ["DATABASE_URL", undefined, /^DATABASE_URL is not set/],
    ["DATABASE_URL", "mysql://db/x", /^DATABASE_URL is malformed: must be a postgresql:\/\/ URL/],
    ["KAFKA_BROKERS", undefined, /^KAFKA_BROKERS is not set/],
    ["KAFKA_CONSUMER_GROUP_PREFIX", "staging prod", /^KAFKA_CONSUMER_GROUP_PREFIX is malformed: must be letters/],
    ["KAFKA_BROKERS", "localhost", /^KAFKA_BROKERS is malformed: must be host:port/],
    ["KAFKA_BROKERS", "a:1,b", /^KAFKA_BROKERS is malformed: must be host:port/],
    ["KAFKA_BROKERS", "", /^KAFKA_BROKERS is malformed/],
    ["PORT", undefined, /^PORT is not set/],
    ["PORT", "http", /^PORT is malformed/],
    ["PORT", "70000", /^PORT is malformed/],
    ["PORT", "", /^PORT is malformed/],
    ["PORT", "80.5", /^PORT is malformed/],
    ["ACTOR_CONTEXT_KEYS", undefined, /^ACTOR_CONTEXT_KEYS is not set/],
    ["ACTOR_CONTEXT_KEYS", "k1:short", /^ACTOR_CONTEXT_KEYS is malformed: each secret must be at least 32 characters/],
    ["ACTOR_CONTEXT_KEYS", "x".repeat(40), /^ACTOR_CONTEXT_KEYS is malformed: each entry must be kid:secret/],
    [
      "ACTOR_CONTEXT_KEYS",
      `a:${"x".repeat(32)},a:${"y".repeat(32)}`,
      /^ACTOR_CONTEXT_KEYS is malformed: kids must be unique/,
    ],
    ["ACTOR_CONTEXT_KEYS", " , ", /^ACTOR_CONTEXT_KEYS is malformed: must list at least one/],
    ["LOG_LEVEL", "loud", /^LOG_LEVEL is malformed/],
    ["OUTBOX_RETENTION_DAYS", "0", /^OUTBOX_RETENTION_DAYS is malformed/],
    ["PROCESSED_EVENT_RETENTION_DAYS", "a month", /^PROCESSED_EVENT_RETENTION_DAYS is malformed/],
    ["PARKED_EVENT_RETRY_HOURS", "a day", /^PARKED_EVENT_RETRY_HOURS is malformed/],
    ["PARKED_EVENT_RETRY_HOURS", "-1", /^PARKED_EVENT_RETRY_HOURS is malformed/],
  ])("%s=%j is refused with a message naming it", (name, value, message) => {
    const env: NodeJS.ProcessEnv = { ...VALID, [name]: value };
    if (value === undefined) delete env[name];
    expect(problemsOf(env)).toEqual([expect.stringMatching(message)]);
  });

  test("every problem is listed, one per variable", () => {
    const problems = problemsOf({ PORT: "x", KAFKA_BROKERS: "nope" });
    expect(problems.map((p) => p.split(" ")[0]).sort()).toEqual([
      "ACTOR_CONTEXT_KEYS",
      "DATABASE_URL",
      "KAFKA_BROKERS",
      "PORT",
    ]);
  });
});
