/**
 * Replays a dead-letter topic back to the consumer group that failed its events (docs/adr/0002):
 *
 *   npm run events:replay -- <group>.dlq [--group <group>] [--dry-run]
 *
 * Brokers: env KAFKA_BROKERS (default 127.0.0.1:19092, the broker of `npm start`).
 */
import { parseArgs } from "node:util";
import { createLogger } from "@support/logger";
import { createKafka } from "../kafka.js";
import { replayDeadLetters, type DeadLetter } from "../replay.js";

const USAGE = `Usage: npm run events:replay -- <consumer group>.dlq [--group <consumer group>] [--dry-run]
  Re-delivers every dead letter the topic holds now to <group>.replay, which only that group reads.
  --group    the group to re-deliver to (default: the group named in each dead letter)
  --dry-run  list the dead letters only
Brokers: env KAFKA_BROKERS (default 127.0.0.1:19092).`;

function parseCommandLine() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: { group: { type: "string" }, "dry-run": { type: "boolean" }, help: { type: "boolean", short: "h" } },
    });
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    process.exit(2);
  }
}

const args = parseCommandLine();
const [deadLetterTopic, ...extra] = args.positionals;
if (args.values.help || deadLetterTopic === undefined || extra.length > 0) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(args.values.help ? 0 : 2);
}

const brokers = (process.env.KAFKA_BROKERS ?? "127.0.0.1:19092").split(",").filter(Boolean);
const logger = createLogger({ service: "events-replay", level: process.env.LOG_LEVEL ?? "warn" });
const dryRun = args.values["dry-run"] ?? false;

const print = (letter: DeadLetter) =>
  process.stdout.write(
    `${deadLetterTopic}:${letter.partition}:${letter.offset}  group=${letter.consumerGroup ?? "?"}  ` +
      `from=${letter.origin ?? "?"}  reason=${letter.reason ?? "?"}\n`,
  );

try {
  const { replayed } = await replayDeadLetters({
    kafka: createKafka("events-replay", brokers, logger),
    logger,
    deadLetterTopic,
    group: args.values.group,
    dryRun,
    onDeadLetter: print,
  });
  process.stdout.write(dryRun ? "dry run: nothing replayed\n" : `replayed ${replayed} dead letter(s)\n`);
} catch (error) {
  process.stderr.write(`replay failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
