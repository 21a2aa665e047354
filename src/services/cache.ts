/**
 * A value loaded once for many callers: concurrent callers share one load (single flight) and, for
 * `ttlMs`, its result. `fresh` forces a new load (joining one already under way).
 */
export class SingleFlight<T> {
  private cached: { value: T; at: number } | null = null;
  private inFlight: Promise<T> | null = null;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(opts: { fresh?: boolean } = {}): Promise<T> {
    if (!opts.fresh && this.cached && this.now() - this.cached.at < this.ttlMs) return this.cached.value;
    if (this.inFlight) return this.inFlight;
    const run = (async () => {
      try {
        const value = await this.load();
        this.cached = { value, at: this.now() };
        return value;
      } finally {
        this.inFlight = null;
      }
    })();
    this.inFlight = run;
    return run;
  }

  /** Forgets the cached value, e.g. after MfaBot changed what it was loaded from. */
  invalidate(): void {
    this.cached = null;
  }
}
