import type { ChildProcess } from "node:child_process";
import { startBalancer, type RunningBalancer } from "./balancer.js";
import { startProcess, waitUntilReady, type ManagedProcess } from "./processes.js";

/** One running copy of a service or of the gateway. */
export interface FleetInstance {
  /** What it is an instance of: a service's name, or `gateway`. */
  readonly service: string;
  /** `ticketing-2` (1-based), or just `ticketing` when the fleet has one instance. */
  readonly name: string;
  /** Where this instance itself listens (its `PORT`). */
  readonly port: number;
  readonly url: string;
  /** The running process's id; undefined between an exit and the restart. */
  readonly pid: number | undefined;
  /** Whether new connections to the fleet's address may go to it (ready, alive, answering). */
  readonly serving: boolean;
  readonly logFile: string;
}

/** N instances of one program behind one address, which clients use without knowing of them. */
export interface Fleet {
  service: string;
  /** The one address clients use: the balancer's, or with one instance that instance's own. */
  url: string;
  instances: readonly FleetInstance[];
  /** Sends `signal` (SIGKILL unless said) and resolves once the process has exited; the supervisor restarts it after its back-off. */
  kill(instance: FleetInstance, signal?: NodeJS.Signals): Promise<void>;
  /** SIGSTOP: the process keeps its port but answers nothing (a hung machine); the balancer's probes take it out of rotation. */
  freeze(instance: FleetInstance): void;
  /** SIGCONT after `freeze`. */
  thaw(instance: FleetInstance): void;
  /** Stops the instance gracefully if it runs (out of rotation first), starts it at once, and resolves when it serves again. */
  restart(instance: FleetInstance): Promise<void>;
  /** Resolves when the instance is back in rotation (e.g. after the supervisor restarted it). */
  untilServing(instance: FleetInstance, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * How the balancer tells a hung instance: one /health probe per interval, out of rotation after
 * `failures` in a row. Lenient on purpose: a busy instance on a loaded machine (password hashing
 * on two cores) can take over a second to answer, and is not hung.
 */
export const HEALTH_PROBE = { intervalMs: 1_000, timeoutMs: 2_000, failures: 3 };

export interface FleetOptions {
  service: string;
  /** The fleet's address: the balancer's port, or the single instance's. */
  host: string;
  port: number;
  /** One port per instance; `[port]` (no balancer) when there is one instance. */
  instancePorts: readonly number[];
  /** How to start the instance listening on `port` (its PORT variable). */
  program: (port: number) => { entry: string; cwd: string; env: NodeJS.ProcessEnv };
  logDir: string;
  log: (message: string) => void;
  readyTimeoutMs: number;
}

interface Member extends FleetInstance {
  managed: ManagedProcess;
  /** The child whose /ready has answered since it started (null: not yet, or it exited). */
  readyChild: ChildProcess | null;
  /** Health probes failed in a row by the ready child. */
  failedProbes: number;
}

/**
 * Starts `instancePorts.length` instances, waits until every one answers /ready, then (with more
 * than one) puts a round-robin balancer on the fleet's port. An instance is in rotation from its
 * first ready answer until its process exits or it fails HEALTH_PROBE.failures /health probes in a
 * row (hung); a restarted one
 * comes back once /ready answers again. /health, not /ready, after the start: a Kafka outage makes
 * every instance "not ready" while each still serves requests, and taking them all out would turn
 * a degraded stack into a dead one. With a single instance there is no balancer and no probing:
 * the instance listens on the fleet's port, exactly as before fleets existed.
 */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const single = options.instancePorts.length === 1;
  const members: Member[] = options.instancePorts.map((port, index) => {
    const name = single ? options.service : `${options.service}-${index + 1}`;
    const managed = startProcess({ name, logDir: options.logDir, ...options.program(port) });
    const member: Member = {
      service: options.service,
      name,
      port,
      url: `http://${options.host}:${port}`,
      get pid() {
        const { child } = managed;
        return child.exitCode === null && child.signalCode === null ? child.pid : undefined;
      },
      get serving() {
        const { child } = managed;
        const alive = child.exitCode === null && child.signalCode === null;
        return alive && member.readyChild === child && member.failedProbes < HEALTH_PROBE.failures;
      },
      logFile: managed.logFile,
      managed,
      readyChild: null,
      failedProbes: 0,
    };
    return member;
  });
  let balancer: RunningBalancer | null = null;
  let probeTimer: NodeJS.Timeout | null = null;
  let stopping = false;

  const stop = async () => {
    stopping = true;
    if (probeTimer) clearInterval(probeTimer);
    // Out of rotation first, so no new connection reaches an instance that is shutting down.
    await balancer?.close();
    await Promise.all(members.map((member) => member.managed.stop()));
  };

  /** Polls the child's /ready until it answers (then the member serves) or the child is replaced. */
  const admitWhenReady = async (member: Member, child: ChildProcess) => {
    member.readyChild = null;
    member.failedProbes = 0;
    while (!stopping && member.managed.child === child && child.exitCode === null && child.signalCode === null) {
      const ok = await fetch(`${member.url}/ready`, { signal: AbortSignal.timeout(HEALTH_PROBE.timeoutMs) }).then(
        (response) => response.ok,
        () => false,
      );
      if (ok && member.managed.child === child) {
        member.readyChild = child;
        options.log(`${member.name} serving (pid ${child.pid}, port ${member.port})`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };

  const probing = new Set<Member>();
  /**
   * One /health probe of a ready instance; enough failures in a row take it out of rotation. Its
   * open connections are left alone, as Kubernetes does: requests in flight on a slow instance
   * may still finish, and a hung one's fail at the client's own timeout.
   */
  const probe = async (member: Member) => {
    const child = member.readyChild;
    if (!child || probing.has(member)) return;
    probing.add(member);
    try {
      const ok = await fetch(`${member.url}/health`, { signal: AbortSignal.timeout(HEALTH_PROBE.timeoutMs) }).then(
        (response) => response.ok,
        () => false,
      );
      if (member.readyChild !== child) return;
      if (ok) {
        if (member.failedProbes >= HEALTH_PROBE.failures) options.log(`${member.name} answers again; back in rotation`);
        member.failedProbes = 0;
        return;
      }
      member.failedProbes += 1;
      if (member.failedProbes === HEALTH_PROBE.failures) {
        options.log(`${member.name} does not answer /health; out of rotation until it does`);
      }
    } finally {
      probing.delete(member);
    }
  };

  try {
    await Promise.all(
      members.map(async (member) => {
        await waitUntilReady(`${member.url}/ready`, member.managed, options.readyTimeoutMs);
        member.readyChild = member.managed.child;
        member.managed.keepRunning(options.log);
        member.managed.onStart((child) => void admitWhenReady(member, child));
      }),
    );
    if (!single) {
      balancer = await startBalancer({
        host: options.host,
        port: options.port,
        backends: () => {
          const serving = members.filter((member) => member.serving);
          // None serving (all restarting, or all hung): try every one rather than refuse outright.
          return (serving.length > 0 ? serving : members).map(({ port }) => ({ host: options.host, port }));
        },
      });
      probeTimer = setInterval(() => {
        for (const member of members) void probe(member);
      }, HEALTH_PROBE.intervalMs);
      probeTimer.unref();
    }
  } catch (error) {
    await stop();
    throw error;
  }

  const memberOf = (instance: FleetInstance): Member => {
    const member = members.find((candidate) => candidate.name === instance.name);
    if (!member) throw new Error(`${instance.name} is not an instance of ${options.service}`);
    return member;
  };

  const untilServing = async (instance: FleetInstance, timeoutMs = options.readyTimeoutMs) => {
    const member = memberOf(instance);
    const deadline = Date.now() + timeoutMs;
    while (!member.serving) {
      if (Date.now() > deadline)
        throw new Error(`${member.name} not serving after ${timeoutMs}ms; see ${member.logFile}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  return {
    service: options.service,
    url: `http://${options.host}:${options.port}`,
    instances: members,
    async kill(instance, signal = "SIGKILL") {
      const { child } = memberOf(instance).managed;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill(signal);
      await exited;
    },
    freeze(instance) {
      memberOf(instance).managed.child.kill("SIGSTOP");
    },
    thaw(instance) {
      memberOf(instance).managed.child.kill("SIGCONT");
    },
    async restart(instance) {
      const member = memberOf(instance);
      member.readyChild = null;
      // A frozen process cannot act on SIGTERM until it runs again.
      member.managed.child.kill("SIGCONT");
      await member.managed.restartNow();
      await untilServing(member);
    },
    untilServing,
    stop,
  };
}
