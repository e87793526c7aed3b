import { KafkaBroker } from "./kafka.js";

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
  default:
    process.stderr.write("usage: tsx infra/kafka/cli.ts start|stop\n");
    process.exit(2);
}
