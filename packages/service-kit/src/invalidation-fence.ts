import { performance } from "node:perf_hooks";

/**
 * How long after the start of its latest fully applied fetch of `cache.invalidations` an
 * instance still trusts its caches (docs/adr/0003, 0011). A change's message is in the log before
 * the changing mutation answers, so any fetch that starts after the answer brings it: an
 * instance that trusts its caches at time t has applied every change answered before t - 500 ms.
 * Half of the 1 s bound, so that a request in flight and an event loop running late still fit.
 */
export const INVALIDATION_WINDOW_MS = 500;

/** One fetch of the invalidation consumer, from FETCH_START until the next one. */
interface Fetch {
  startedAt: number;
  /** kafkajs reported the fetch done (FETCH): a failed fetch proves nothing. */
  completed: boolean;
  /** A batch of it ended short of the high watermark: more was in the log than it brought. */
  behind: boolean;
}

/**
 * Decides whether an instance may use its caches right now: only while its invalidation consumer
 * owns the topic's partition and has applied everything a fetch brought that started within the
 * last `windowMs` (a self-fence: nobody has to tell a lagging, partitioned or frozen instance,
 * it stops trusting itself). Fed by the consumer's events (InvalidationFeed); read by every
 * cache of the instance through a CacheGuard.
 *
 * kafkajs fetches in a loop and hands a fetch's batches to the handler before it starts the
 * next fetch, so at each FETCH_START the previous fetch (if it completed and was not behind) is
 * fully applied: its start time is the instant up to which every acknowledged message is known.
 *
 * A lapse (a slow fetch, a frozen process, a partition) only suspends the caches: the consumer
 * goes on from where it was, so what it missed meanwhile is applied before it is trusted again.
 * `generation` changes when the consumer (re)joins or is lost: it starts at the end of the
 * topic then, skipping what was produced meanwhile, so caches drop everything they hold.
 */
export class FreshnessFence {
  private generation = 0;
  private assigned = false;
  /** The start of the latest fetch whose messages are all applied; null after a (re)join. */
  private appliedThrough: number | null = null;
  private fetch: Fetch | null = null;
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly onTrusted: (event: { gapMs: number | null }) => void;

  constructor(
    options: {
      windowMs?: number;
      /** A monotonic clock in ms (performance.now by default: wall-clock jumps do not matter). */
      now?: () => number;
      /**
       * Called when trust is regained: `gapMs` is how long it was lost, null the first time after
       * a (re)join (the caches start empty then).
       */
      onTrusted?: (event: { gapMs: number | null }) => void;
    } = {},
  ) {
    this.windowMs = options.windowMs ?? INVALIDATION_WINDOW_MS;
    this.now = options.now ?? (() => performance.now());
    this.onTrusted = options.onTrusted ?? (() => undefined);
  }

  /** The consumer (re)joined its group: `partitions` of the topic are now its own. */
  joined(partitions: number): void {
    this.lost();
    // One partition, so one fetch covers the whole topic (the feed creates it so).
    this.assigned = partitions === 1;
  }

  /** The consumer stopped, crashed, disconnected or is rebalancing: it will start over. */
  lost(): void {
    this.generation += 1;
    this.assigned = false;
    this.appliedThrough = null;
    this.fetch = null;
  }

  fetchStarted(): void {
    const now = this.now();
    const previous = this.fetch;
    this.fetch = { startedAt: now, completed: false, behind: false };
    if (!this.assigned || !previous?.completed || previous.behind) return;
    const lastApplied = this.appliedThrough;
    this.appliedThrough = previous.startedAt;
    if (lastApplied === null) this.onTrusted({ gapMs: null });
    else if (now - lastApplied >= this.windowMs && now - previous.startedAt < this.windowMs)
      this.onTrusted({ gapMs: Math.round(now - lastApplied - this.windowMs) });
  }

  fetchCompleted(): void {
    if (this.fetch) this.fetch.completed = true;
  }

  /** A batch of the running fetch stopped short of the high watermark (a backlog). */
  behind(): void {
    if (this.fetch) this.fetch.behind = true;
  }

  /** The generation while caches may be used right now; null while they may not. */
  trustedGeneration(): number | null {
    if (!this.assigned || this.appliedThrough === null) return null;
    return this.now() - this.appliedThrough < this.windowMs ? this.generation : null;
  }
}

/** What a cache hands out when a look-up starts and takes back to remember its answer. */
export type LookupToken = number | null;

/**
 * The fence as one cache uses it: `usable()` before serving an entry (false: bypass it),
 * `startLookup()`/`mayRemember()` around asking the owner, `invalidated()` on every message that
 * removed entries. Everything is dropped when the fence's generation changes (messages may have
 * been skipped). An answer is remembered only if the look-up started and ended while the cache was
 * usable and no invalidation or new generation came meanwhile: an answer fetched across a change
 * may predate it. (Across a mere lapse it may be kept: the messages of the lapse were applied
 * before the fence trusted again, and any later one will still remove it.)
 */
export class CacheGuard {
  private generation: number | null = null;
  private epoch = 0;

  constructor(
    private readonly fence: FreshnessFence,
    private readonly dropAll: () => void,
  ) {}

  usable(): boolean {
    const generation = this.fence.trustedGeneration();
    if (generation === null) return false;
    if (generation !== this.generation) {
      // A new consumer started at the end of the topic: whatever is held may have missed a change.
      this.invalidated();
      this.dropAll();
      this.generation = generation;
    }
    return true;
  }

  invalidated(): void {
    this.epoch += 1;
  }

  startLookup(): LookupToken {
    return this.usable() ? this.epoch : null;
  }

  mayRemember(token: LookupToken): boolean {
    return token !== null && this.usable() && token === this.epoch;
  }
}
