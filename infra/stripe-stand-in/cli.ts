import { startStripeStandIn } from "./stand-in.js";

/**
 * Runs the Stripe stand-in on its own (docker-compose.yml); `npm start` and the tests start it
 * in-process instead (infra/stack/stack.ts).
 */
const required = (name: string): string => {
  const value = process.env[name];
  if (!value) {
    process.stderr.write(`${name} is not set\n`);
    process.exit(78);
  }
  return value;
};

const standIn = await startStripeStandIn({
  port: Number(process.env.PORT ?? 4006),
  host: process.env.HOST ?? "127.0.0.1",
  webhookUrl: required("WEBHOOK_URL"),
  webhookSecret: required("STRIPE_WEBHOOK_SECRET"),
  publicUrl: process.env.PUBLIC_URL,
  log: (message) => process.stdout.write(`${message}\n`),
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void standIn.close().then(() => process.exit(0)));
}
