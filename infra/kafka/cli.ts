import { SERVICES } from "../services.js";
import { ensureTopics, KafkaBroker } from "./kafka.js";

const broker = new KafkaBroker({ log: (message) => process.stdout.write(`${message}\n`) });
switch (process.argv[2]) {
  case "start":
    await broker.start();
    process.stdout.write(`Kafka ready at ${broker.brokers.join(",")} (data in ${broker.dataDir})\n`);
    break;
  case "stop":
    await broker.stop();
    process.stdout.write("Kafka stopped\n");
    break;
  case "topics": {
    // Creates every service's topic on KAFKA_BROKERS (used by docker-compose's set-up step).
    const brokers = (process.env.KAFKA_BROKERS ?? "").split(",").filter(Boolean);
    if (brokers.length === 0) throw new Error("KAFKA_BROKERS is not set");
    await ensureTopics(
      brokers,
      SERVICES.map((s) => `${s}.events`),
      (message) => process.stdout.write(`${message}\n`),
    );
    process.stdout.write(`topics ready on ${brokers.join(",")}\n`);
    break;
  }
  default:
    process.stderr.write("usage: tsx infra/kafka/cli.ts start|stop|topics\n");
    process.exit(2);
}
