/**
 * A value loaded once for many callers: concurrent callers share one load (single flight) and, for
 * `ttlMs`, its result. `fresh` forces a new load (joining one already under way).
 */
export class SingleFlight<T> {
  private cached: { value: T; at: number } | null = null;
  private inFlight: Promise<T> | null = null;
  /** Bumped by invalidate: a load started before it must not be cached, whenever it ends. */
  private generation = 0;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(opts: { fresh?: boolean } = {}): Promise<T> {
    if (!opts.fresh && this.cached && this.now() - this.cached.at < this.ttlMs) return this.cached.value;
    if (this.inFlight) return this.inFlight;
    const generation = this.generation;
    const run: Promise<T> = this.load().then((value) => {
      if (generation === this.generation) this.cached = { value, at: this.now() };
      return value;
    }).finally(() => {
      if (this.inFlight === run) this.inFlight = null;
    });
    this.inFlight = run;
    return run;
  }

  /**
   * Forgets the cached value, e.g. after MfaBot changed what it was loaded from. A load already under
   * way still answers its callers but is not cached, and the next caller starts a new one: it may
   * have read the tenant before the change.
   */
  invalidate(): void {
    this.generation++;
    this.cached = null;
    this.inFlight = null;
  }
}
