/**
 * Prints, as JSON, every HTTP route of every service as the service builds it (without
 * listening or connecting to anything): `{ "<service>": [{ "url": "/graphql", "methods": [...] }] }`.
 * The edge-trust suite runs it in a child process, so a route added later is tested too.
 */
import { SERVICES } from "@support/infra/services";

interface BuiltService {
  app: { printRoutes(options: { commonPrefix: false }): string };
}
type ServiceModule = { createServer(config: unknown): Promise<BuiltService> };
type ConfigModule = Record<string, (env: NodeJS.ProcessEnv) => unknown>;

const env: NodeJS.ProcessEnv = {
  PORT: "0",
  DATABASE_URL: "postgresql://postgres@127.0.0.1:1/never_used",
  KAFKA_BROKERS: "127.0.0.1:1",
  ACTOR_CONTEXT_KEYS: `routes:${"x".repeat(32)}`,
  WORKSPACE_SERVICE_URL: "http://127.0.0.1:1",
  IDENTITY_SERVICE_URL: "http://127.0.0.1:1",
  TICKETING_SERVICE_URL: "http://127.0.0.1:1",
  AUDIT_SERVICE_URL: "http://127.0.0.1:1",
  STRIPE_API_BASE: "http://127.0.0.1:1",
  STRIPE_SECRET_KEY: "sk_test_routes",
  STRIPE_WEBHOOK_SECRET: "whsec_routes",
  STRIPE_PRICE_BASIC: "price_basic",
  STRIPE_PRICE_PRO: "price_pro",
  STRIPE_PRICE_UNLIMITED: "price_unlimited",
  AUDIT_SIGNING_KEYS: `routes:${"c".repeat(32)}`,
  DOWNLOAD_BASE_URL: "http://127.0.0.1:1",
  SMTP_URL: "smtp://127.0.0.1:1",
  MAIL_FROM: "Support <no-reply@routes.test>",
  APP_BASE_URL: "http://127.0.0.1:1",
  LOG_LEVEL: "silent",
};

const routes: Record<string, Array<{ url: string; methods: string[] }>> = {};
for (const service of SERVICES) {
  const base = new URL(`../../services/${service}/src/`, import.meta.url);
  const configModule = (await import(new URL("config.ts", base).href)) as ConfigModule;
  const load = Object.entries(configModule).find(([name]) => /^load\w+Config$/.test(name))?.[1];
  if (!load) throw new Error(`services/${service}/src/config.ts exports no load…Config`);
  const { app } = await (import(new URL("app.ts", base).href) as Promise<ServiceModule>).then((m) =>
    m.createServer(load(env)),
  );
  // printRoutes draws a tree; with commonPrefix off, each line ends with one full path and its methods.
  routes[service] = [...app.printRoutes({ commonPrefix: false }).matchAll(/(\/\S*) \(([A-Z, ]+)\)/g)].map((match) => ({
    url: match[1] ?? "",
    methods: (match[2] ?? "").split(", "),
  }));
}
process.stdout.write(`${JSON.stringify(routes)}\n`);
// Nothing was started (no listener, no connection), so nothing needs closing; app.close() would
// wait for a relay that never ran.
process.exit(0);
