/**
 * bench:audit's producer, on a worker thread of its own (bench/audit.ts starts it): the services'
 * relays produce from processes of their own, so the bench's producer must not take turns with
 * the consumer being measured on one JavaScript thread. It connects, says "ready", sends every
 * batch when told "go", and answers with the moment the last send was acknowledged.
 */
import { parentPort, workerData } from "node:worker_threads";
import { createKafka } from "@support/events";
import { createLogger } from "@support/logger";

export interface ProducerWork {
  brokers: string[];
  topic: string;
  batches: Array<Array<{ key: string; value: string }>>;
}

export type ProducerMessage = { ready: true } | { producedAt: number } | { error: string };

const port = parentPort;
if (!port) throw new Error("bench/audit-producer.ts runs as a worker thread of bench/audit.ts");
const { brokers, topic, batches } = workerData as ProducerWork;
const post = (message: ProducerMessage) => port.postMessage(message);

try {
  const kafka = createKafka("bench-audit-producer", brokers, createLogger({ service: "bench-audit", level: "warn" }));
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  port.once("message", () => {
    void (async () => {
      try {
        for (const messages of batches) await producer.send({ topic, messages });
        // On the clock both threads share: performance.timeOrigin differs between threads.
        post({ producedAt: performance.timeOrigin + performance.now() });
      } catch (error) {
        post({ error: String(error) });
      } finally {
        await producer.disconnect().catch(() => undefined);
      }
    })();
  });
  post({ ready: true });
} catch (error) {
  post({ error: String(error) });
}
