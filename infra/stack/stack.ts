import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import pg from "pg";
import { REPO_ROOT, SERVICES, databaseNameFor, type ServiceName } from "../services.js";
import { ensureDatabases, ensurePostgres, type PostgresServer } from "../postgres/postgres.js";
import { runtimeDatabaseUrl } from "../db/roles.js";
import { ensureKafka, ensureTopics, type KafkaBroker } from "../kafka/kafka.js";
import { startFleet, type Fleet, type FleetInstance } from "./fleet.js";
import { nodeArgsFor, runsBuilt, serverEntry } from "./processes.js";
import { startStripeStandIn, type RunningStandIn } from "../stripe-stand-in/stand-in.js";
import { startMailCatcher, type RunningMailCatcher } from "../mail-catcher/catcher.js";

export { startBalancer, type RunningBalancer } from "./balancer.js";
export { startFleet, type Fleet, type FleetInstance } from "./fleet.js";
export { nodeArgsFor, runsBuilt, serverEntry } from "./processes.js";

export interface StackOptions {
  /** Gateway port; services take the next five (identity, workspace, ticketing, billing, audit). */
  basePort: number;
  /**
   * Instances of every service and of the gateway (default 1). With more than one, each name's
   * port above is a round-robin balancer and the instances listen on ports from `basePort + 10`
   * on (infra/stack/fleet.ts); with one, the process itself listens there, as always.
   */
  replicas?: number;
  /** Appended to every database name, so a test run never touches dev data. */
  databaseSuffix: string;
  /** Drop and recreate the databases first (and the local broker's data, when `kafka` is given). */
  freshDatabases: boolean;
  logDir: string;
  /** Where the local broker listens and keeps its data, when KAFKA_BROKERS is not set. */
  kafka?: { port: number; controllerPort: number; dataDir: string };
  /** ACTOR_CONTEXT_KEYS for every process; by default `localActorContextKeys()`. */
  actorContextKeys?: string;
  /**
   * `npm start`: the gateway's GraphiQL and introspection on (GATEWAY_INTROSPECTION=true unless
   * set). Test and benchmark stacks leave them off, as in production.
   */
  development?: boolean;
  /**
   * Start the local mail catcher even when SMTP_URL is set: test and benchmark stacks read the
   * mail they cause (invitation tokens) from it.
   */
  alwaysCatchMail?: boolean;
  log: (message: string) => void;
}

export interface RunningStack {
  gatewayUrl: string;
  serviceUrls: Record<ServiceName, string>;
  postgres: PostgresServer;
  kafkaBrokers: string[];
  kafkaBroker: KafkaBroker | null;
  /** ACTOR_CONTEXT_KEYS as given to every process (`kid:secret,…`, the first signs). */
  actorContextKeys: string;
  /** How billing reaches Stripe: the local stand-in unless STRIPE_SECRET_KEY is set. */
  stripe: StripeSettings;
  /** Where identity sends mail: the local catcher unless SMTP_URL is set. */
  mail: MailSettings;
  /** The environment the services were started with (for tests that start one more). */
  serviceEnv(service: ServiceName): NodeJS.ProcessEnv;
  /**
   * Each instance's `GET /metrics` (its METRICS_PORT, docs/adr/0020), by service and gateway, in
   * the order of `instancesOf`: not behind the balancers, a scraper wants every instance.
   */
  metricsUrls: Record<ServiceName | "gateway", string[]>;
  /** Instances of every service and of the gateway (`replicas` each). */
  replicas: number;
  /** Every running instance: the gateway's first, then each service's in SERVICES order. */
  instances: readonly FleetInstance[];
  /** The instances of one service, or of the gateway. */
  instancesOf(service: ServiceName | "gateway"): readonly FleetInstance[];
  /** kill -9 (or `signal`); resolves once it exited. The supervisor starts it again after its back-off. */
  kill(instance: FleetInstance, signal?: NodeJS.Signals): Promise<void>;
  /** SIGSTOP / SIGCONT: hung, then running again; the balancer takes a hung instance out of rotation. */
  freeze(instance: FleetInstance): void;
  thaw(instance: FleetInstance): void;
  /** Graceful stop if running, immediate start; resolves when it serves again. */
  restart(instance: FleetInstance): Promise<void>;
  /** Resolves when the instance is in rotation again (after a kill and the supervisor's restart). */
  untilServing(instance: FleetInstance, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Where the instances of a fleet stack listen: past the gateway, the five services, the Stripe stand-in and the mail catcher. */
export const INSTANCE_PORT_OFFSET = 10;

/**
 * Where the metrics listeners are (METRICS_PORT, docs/adr/0020): from `basePort + 10` with one
 * instance each (the instance ports are unused then), after the instance ports with more. The
 * gateway's first, then the services' in SERVICES order, each name's instances together.
 */
export function metricsPortOf(basePort: number, replicas: number, slot: number, index: number): number {
  const fleets = 1 + SERVICES.length;
  return basePort + INSTANCE_PORT_OFFSET + (replicas === 1 ? 0 : fleets * replicas) + slot * replicas + index;
}

/** The mail catcher's ports: SMTP at `basePort + 7`, its HTTP side (the caught mail) at `basePort + 8`. */
/**
 * Ports WHATWG fetch refuses to connect to (its "bad port" list, the part above 1023): readiness
 * checks, the gateway's health checks and the services' internal calls use fetch, so an instance
 * on one of these would never become ready ("fetch failed"). 5060 is basePort 5050's first
 * instance with replicas.
 */
const FETCH_BLOCKED_PORTS = [
  1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
];

export const MAIL_CATCHER_SMTP_OFFSET = 7;
export const MAIL_CATCHER_HTTP_OFFSET = 8;

/**
 * How long a process may take to answer /ready. Minutes, not seconds: on a machine shared by
 * several stacks, five services compiling at once have taken over three minutes; the wait ends as soon as
 * the process is ready, so a generous bound costs nothing when things are well.
 */
const READY_TIMEOUT_MS = 300_000;

export interface StripeSettings {
  apiBase: string;
  /** The stand-in's URL (it serves the API at the same address), or null with real Stripe. */
  standInUrl: string | null;
  webhookSecret: string;
  env: NodeJS.ProcessEnv;
}

/**
 * The local app's origins, in every local stack unless set: the usual local dev servers (Vite,
 * Create React App / Next.js, their 127.0.0.1 spellings). The gateway allows them cross-origin
 * (CORS_ORIGINS) and billing may send a payer back to them (CHECKOUT_RETURN_ORIGINS): one app,
 * one list. Production names its own for both.
 */
export const LOCAL_APP_ORIGINS = [
  "http://localhost:5173",
  "http://127.0.0.1:5173",
  "http://localhost:3000",
  "http://127.0.0.1:3000",
  "http://localhost:4173",
  "http://localhost:8080",
].join(",");

/** Price ids the stand-in accepts (any `price_…` works there). */
const STAND_IN_PRICES = {
  STRIPE_PRICE_BASIC: "price_basic_per_seat",
  STRIPE_PRICE_PRO: "price_pro_per_seat",
  STRIPE_PRICE_UNLIMITED: "price_unlimited_per_seat",
};

/**
 * With STRIPE_SECRET_KEY set, billing talks to the Stripe it names (STRIPE_API_BASE, default
 * api.stripe.com; STRIPE_WEBHOOK_SECRET and STRIPE_PRICE_* must be set too). Without it, the
 * local stand-in plays Stripe on `port` and sends its webhooks to billing.
 */
async function stripeFor(
  port: number,
  billingUrl: string,
  log: (message: string) => void,
): Promise<{ settings: StripeSettings; standIn: RunningStandIn | null }> {
  if (process.env.STRIPE_SECRET_KEY) {
    const apiBase = process.env.STRIPE_API_BASE ?? "https://api.stripe.com";
    log(`Stripe: ${apiBase} (STRIPE_SECRET_KEY)`);
    return {
      standIn: null,
      settings: { apiBase, standInUrl: null, webhookSecret: process.env.STRIPE_WEBHOOK_SECRET ?? "", env: {} },
    };
  }
  const webhookSecret = `whsec_${randomBytes(24).toString("hex")}`;
  const standIn = await startStripeStandIn({ port, webhookUrl: `${billingUrl}/webhooks/stripe`, webhookSecret });
  log(`Stripe: local stand-in on ${standIn.url} (no STRIPE_SECRET_KEY)`);
  return {
    standIn,
    settings: {
      apiBase: standIn.url,
      standInUrl: standIn.url,
      webhookSecret,
      env: {
        STRIPE_API_BASE: standIn.url,
        STRIPE_SECRET_KEY: "sk_test_local_stand_in",
        STRIPE_WEBHOOK_SECRET: webhookSecret,
        ...STAND_IN_PRICES,
        // A page that exists to come back to after paying (the stand-in's), unless the app's is set.
        BILLING_RETURN_URL: process.env.BILLING_RETURN_URL ?? `${standIn.url}/return`,
      },
    },
  };
}

export interface MailSettings {
  /** The local catcher's HTTP side (its page and `GET /messages`), or null with SMTP_URL set. */
  catcherUrl: string | null;
  /** SMTP_URL, MAIL_FROM and APP_BASE_URL for identity. */
  env: NodeJS.ProcessEnv;
}

/**
 * With SMTP_URL set (and not `alwaysCatch`), identity sends through it. Otherwise the local
 * catcher takes the mail on `smtpPort` and shows it on `httpPort`.
 */
async function mailFor(
  ports: { smtpPort: number; httpPort: number },
  alwaysCatch: boolean,
  log: (message: string) => void,
): Promise<{ settings: MailSettings; catcher: RunningMailCatcher | null }> {
  const common = {
    MAIL_FROM: process.env.MAIL_FROM ?? "Support <no-reply@support.localhost>",
    // Where the links in mail point: the local app unless set (the first local dev origin).
    APP_BASE_URL: process.env.APP_BASE_URL ?? "http://localhost:5173",
  };
  if (process.env.SMTP_URL && !alwaysCatch) {
    log("mail: sent through SMTP_URL (no local catcher)");
    return { catcher: null, settings: { catcherUrl: null, env: { ...common, SMTP_URL: process.env.SMTP_URL } } };
  }
  const catcher = await startMailCatcher({ ...ports, log });
  log(`mail: local catcher, SMTP on ${catcher.smtpUrl}, read at ${catcher.url} (no SMTP_URL)`);
  return { catcher, settings: { catcherUrl: catcher.url, env: { ...common, SMTP_URL: catcher.smtpUrl } } };
}

const SECRET_FILE = `${REPO_ROOT}/.local/actor-context-secret`;

/** ACTOR_CONTEXT_KEYS when set; otherwise one per-machine development key, `local:<secret>`. */
export function localActorContextKeys(): string {
  if (process.env.ACTOR_CONTEXT_KEYS) return process.env.ACTOR_CONTEXT_KEYS;
  if (!existsSync(SECRET_FILE)) {
    mkdirSync(`${REPO_ROOT}/.local`, { recursive: true });
    writeFileSync(SECRET_FILE, randomBytes(32).toString("base64url"), { mode: 0o600 });
  }
  return `local:${readFileSync(SECRET_FILE, "utf8").trim()}`;
}

const AUDIT_SECRET_FILE = `${REPO_ROOT}/.local/audit-signing-secret`;

/** AUDIT_SIGNING_KEYS when set; otherwise one per-machine development key (checkpoints, download links). */
export function localAuditSigningKeys(): string {
  if (process.env.AUDIT_SIGNING_KEYS) return process.env.AUDIT_SIGNING_KEYS;
  if (!existsSync(AUDIT_SECRET_FILE)) {
    mkdirSync(`${REPO_ROOT}/.local`, { recursive: true });
    writeFileSync(AUDIT_SECRET_FILE, randomBytes(32).toString("base64url"), { mode: 0o600 });
  }
  return `local:${readFileSync(AUDIT_SECRET_FILE, "utf8").trim()}`;
}

/**
 * Sets up every service's roles and applies its pending migrations as the owner role, then grants
 * the runtime role its rights (infra/db/cli.ts deploy; the wasm schema engine needs its own node flags).
 */
function applyMigrations(serverUrl: string, databaseSuffix: string): void {
  const cli = runsBuilt() ? `${REPO_ROOT}/infra/dist/db/cli.js` : `${REPO_ROOT}/infra/db/cli.ts`;
  const result = spawnSync(process.execPath, [...nodeArgsFor(cli), cli, "deploy"], {
    cwd: REPO_ROOT,
    env: { ...process.env, POSTGRES_URL: serverUrl, DATABASE_SUFFIX: databaseSuffix },
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`migrations failed:\n${result.stdout}\n${result.stderr}`);
}

/** Advisory lock class of a running stack's databases, apart from the services' and the suites' (2099). */
const STACK_LOCK_CLASS = 2098;

/**
 * One running stack per database suffix on a PostgreSQL server: a second `npm test` (or
 * `npm start`) with the same suffix, from any checkout, would drop or migrate the databases
 * under the first. The lock is held by a session of its own for the stack's life (a killed
 * stack's session ends with it, and the lock with the session).
 */
async function ownDatabaseSuffix(postgres: PostgresServer, suffix: string): Promise<pg.Client> {
  const session = new pg.Client({ connectionString: postgres.serverUrl, application_name: `stack${suffix}` });
  await session.connect();
  const { rows } = await session.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked", [
    STACK_LOCK_CLASS,
    suffix,
  ]);
  if (rows[0]?.locked) return session;
  await session.end();
  await postgres.stop();
  throw new Error(
    `another stack is running on the databases support_<service>${suffix} of this PostgreSQL server; ` +
      "stop it, or give this run its own TEST_DATABASE_SUFFIX (npm test) or DATABASE_SUFFIX (npm start) and ports",
  );
}

/**
 * Brings the whole product up: PostgreSQL and its five databases, migrations, Kafka and its
 * topics, the five services (each with its outbox relay) and the gateway.
 */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const { log } = options;
  const replicas = options.replicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 1)
    throw new Error(`replicas must be a whole number ≥ 1, not ${replicas}`);
  const lastPort = metricsPortOf(options.basePort, replicas, SERVICES.length, replicas - 1);
  const blocked = FETCH_BLOCKED_PORTS.find((port) => port >= options.basePort && port <= lastPort);
  if (blocked !== undefined)
    throw new Error(
      `the stack would use ports ${options.basePort}–${lastPort}, and fetch refuses port ${blocked}: choose another base port`,
    );
  const fleets = new Map<ServiceName | "gateway", Fleet>();
  const postgres = await ensurePostgres(log);
  log(`PostgreSQL: ${postgres.source} (${new URL(postgres.serverUrl).host})`);
  const owner = await ownDatabaseSuffix(postgres, options.databaseSuffix);
  if (options.freshDatabases && options.kafka && !process.env.KAFKA_BROKERS)
    rmSync(options.kafka.dataDir, { recursive: true, force: true }); // no offsets or messages of an earlier run
  let kafkaBroker: KafkaBroker | null = null;
  let standIn: RunningStandIn | null = null;
  let mailCatcher: RunningMailCatcher | null = null;

  const stop = async () => {
    // The gateway first (no new requests), then the services.
    await fleets.get("gateway")?.stop();
    await Promise.all([...fleets].filter(([service]) => service !== "gateway").map(([, fleet]) => fleet.stop()));
    if (standIn) await standIn.close();
    if (mailCatcher) await mailCatcher.close();
    if (kafkaBroker) await kafkaBroker.stop();
    await owner.end();
    await postgres.stop();
  };

  try {
    process.env.DATABASE_SUFFIX = options.databaseSuffix;
    const [, kafka] = await Promise.all([
      (async () => {
        await ensureDatabases(
          postgres.serverUrl,
          SERVICES.map((s) => databaseNameFor(s, options.databaseSuffix)),
          {
            fresh: options.freshDatabases,
          },
        );
        applyMigrations(postgres.serverUrl, options.databaseSuffix);
        log("databases migrated");
      })(),
      ensureKafka({ ...options.kafka, log }),
    ]);
    kafkaBroker = kafka.broker;
    await ensureTopics(
      kafka.brokers,
      SERVICES.map((s) => `${s}.events`),
      log,
    );
    log(`Kafka: ${kafka.broker ? "local broker" : "KAFKA_BROKERS"} (${kafka.brokers.join(",")})`);

    const actorContextKeys = options.actorContextKeys ?? localActorContextKeys();
    const serviceUrls = Object.fromEntries(
      SERVICES.map((service, index) => [service, `http://127.0.0.1:${options.basePort + 1 + index}`]),
    ) as Record<ServiceName, string>;
    // The stand-in takes the port after the five services.
    const stripe = await stripeFor(options.basePort + 1 + SERVICES.length, serviceUrls.billing, log);
    standIn = stripe.standIn;
    const mail = await mailFor(
      {
        smtpPort: options.basePort + MAIL_CATCHER_SMTP_OFFSET,
        httpPort: options.basePort + MAIL_CATCHER_HTTP_OFFSET,
      },
      options.alwaysCatchMail ?? false,
      log,
    );
    mailCatcher = mail.catcher;
    const serviceEnv = (service: ServiceName): NodeJS.ProcessEnv => ({
      ...process.env,
      // The service's one address; an instance behind a balancer is given its own (fleetOf).
      PORT: new URL(serviceUrls[service]).port,
      HOST: "127.0.0.1",
      // The service's own login, not the admin's: not a superuser, owns nothing (docs/adr/0014).
      DATABASE_URL: runtimeDatabaseUrl(service, postgres.serverUrl, options.databaseSuffix),
      KAFKA_BROKERS: kafka.brokers.join(","),
      ACTOR_CONTEXT_KEYS: actorContextKeys,
      WORKSPACE_SERVICE_URL: serviceUrls.workspace,
      IDENTITY_SERVICE_URL: serviceUrls.identity,
      TICKETING_SERVICE_URL: serviceUrls.ticketing,
      AUDIT_SERVICE_URL: serviceUrls.audit,
      LOG_LEVEL: process.env.LOG_LEVEL ?? "info",
      ...(service === "billing"
        ? {
            ...stripe.settings.env,
            // The app's origins Checkout may return to: the local dev servers unless set.
            CHECKOUT_RETURN_ORIGINS: process.env.CHECKOUT_RETURN_ORIGINS ?? LOCAL_APP_ORIGINS,
          }
        : {}),
      ...(service === "audit" ? { AUDIT_SIGNING_KEYS: localAuditSigningKeys() } : {}),
      ...(service === "identity" ? mail.settings.env : {}),
      DOWNLOAD_BASE_URL: `http://127.0.0.1:${options.basePort}`,
    });

    /** The instance ports of the fleet in `slot` (0 the gateway, then SERVICES), or its own port with one instance. */
    const instancePorts = (slot: number, port: number): number[] =>
      replicas === 1
        ? [port]
        : Array.from({ length: replicas }, (_, i) => options.basePort + INSTANCE_PORT_OFFSET + slot * replicas + i);
    const metricsUrls = {} as Record<ServiceName | "gateway", string[]>;
    const fleetOf = async (
      service: ServiceName | "gateway",
      slot: number,
      port: number,
      env: NodeJS.ProcessEnv,
    ): Promise<Fleet> => {
      const ports = instancePorts(slot, port);
      const metricsPorts = ports.map((_, index) => metricsPortOf(options.basePort, replicas, slot, index));
      metricsUrls[service] = metricsPorts.map((metricsPort) => `http://127.0.0.1:${metricsPort}/metrics`);
      const fleet = await startFleet({
        service,
        host: "127.0.0.1",
        port,
        instancePorts: ports,
        program: (instancePort) => {
          const cwd = service === "gateway" ? `${REPO_ROOT}/gateway` : `${REPO_ROOT}/services/${service}`;
          return {
            entry: serverEntry(cwd),
            cwd,
            env: {
              ...env,
              PORT: String(instancePort),
              METRICS_PORT: String(metricsPorts[ports.indexOf(instancePort)]),
            },
          };
        },
        logDir: options.logDir,
        log,
        readyTimeoutMs: READY_TIMEOUT_MS,
      });
      fleets.set(service, fleet);
      return fleet;
    };

    // Settled, not all: a fleet still starting when another fails would be left running by `stop`.
    const servicesStarted = await Promise.allSettled(
      SERVICES.map((service, index) =>
        fleetOf(service, index + 1, Number(new URL(serviceUrls[service]).port), serviceEnv(service)),
      ),
    );
    const failed = servicesStarted.find((result) => result.status === "rejected");
    if (failed) throw failed.reason;

    const gatewayUrl = `http://127.0.0.1:${options.basePort}`;
    await fleetOf("gateway", 0, options.basePort, {
      ...process.env,
      HOST: "127.0.0.1",
      ACTOR_CONTEXT_KEYS: actorContextKeys,
      // Where it reads cache.invalidations (docs/adr/0011): no list of gateways anywhere.
      KAFKA_BROKERS: kafka.brokers.join(","),
      LOG_LEVEL: process.env.LOG_LEVEL ?? "info",
      CORS_ORIGINS: process.env.CORS_ORIGINS ?? LOCAL_APP_ORIGINS,
      GATEWAY_INTROSPECTION: process.env.GATEWAY_INTROSPECTION ?? (options.development ? "true" : "false"),
      IDENTITY_URL: `${serviceUrls.identity}/graphql`,
      WORKSPACE_URL: `${serviceUrls.workspace}/graphql`,
      TICKETING_URL: `${serviceUrls.ticketing}/graphql`,
      BILLING_URL: `${serviceUrls.billing}/graphql`,
      AUDIT_URL: `${serviceUrls.audit}/graphql`,
    });
    if (replicas > 1) log(`${replicas} instances of every service and of the gateway, each name balanced on its port`);

    const fleetFor = (instance: FleetInstance): Fleet => {
      const fleet = fleets.get(instance.service as ServiceName | "gateway");
      if (!fleet) throw new Error(`no fleet runs ${instance.service}`);
      return fleet;
    };
    const fleetOrder: Array<ServiceName | "gateway"> = ["gateway", ...SERVICES];

    return {
      gatewayUrl: `${gatewayUrl}/graphql`,
      serviceUrls,
      postgres,
      kafkaBrokers: kafka.brokers,
      kafkaBroker,
      actorContextKeys,
      stripe: stripe.settings,
      mail: mail.settings,
      serviceEnv,
      metricsUrls,
      replicas,
      instances: fleetOrder.flatMap((service) => fleets.get(service)?.instances ?? []),
      instancesOf: (service) => fleets.get(service)?.instances ?? [],
      kill: (instance, signal) => fleetFor(instance).kill(instance, signal),
      freeze: (instance) => fleetFor(instance).freeze(instance),
      thaw: (instance) => fleetFor(instance).thaw(instance),
      restart: (instance) => fleetFor(instance).restart(instance),
      untilServing: (instance, timeoutMs) => fleetFor(instance).untilServing(instance, timeoutMs),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
