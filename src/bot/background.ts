/**
 * Work that outlives the turn that started it (a create that outlasted its invoke, nudges being
 * delivered, a scheduler pass): tracked, so tests and graceful shutdown can wait for it.
 */
export class BackgroundWork {
  private readonly pending = new Set<Promise<unknown>>();

  /** Tracks `work` until it settles; returns it unchanged. */
  track<T>(work: Promise<T>): Promise<T> {
    this.pending.add(work);
    void work.then(() => this.pending.delete(work), () => this.pending.delete(work));
    return work;
  }

  /** Resolves when all tracked work, including work started meanwhile, has settled. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
