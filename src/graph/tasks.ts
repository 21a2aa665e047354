/**
 * A group of reads started one by one as earlier answers make them possible (a page naming a group,
 * an admin whose registration is still unknown), awaited together at the end of a sweep.
 */
export class TaskGroup {
  private readonly tasks = new Set<Promise<void>>();
  /** An error that is not a Graph failure (a bug), kept for `settle()`. */
  private unexpected: unknown = null;
  private failed = false;

  /**
   * Starts `work` now. Its failure never surfaces as an unhandled rejection: work catches the Graph
   * failures it expects itself, and anything else is rethrown by `settle()`.
   */
  spawn(work: () => Promise<void>): void {
    const task: Promise<void> = work()
      .catch((err: unknown) => {
        if (this.failed) return;
        this.failed = true;
        this.unexpected = err;
      })
      .finally(() => this.tasks.delete(task));
    this.tasks.add(task);
  }

  /** True while some started work has not settled. */
  get busy(): boolean {
    return this.tasks.size > 0;
  }

  /** Waits until everything started so far, and anything it started meanwhile, has settled. */
  async settle(): Promise<void> {
    while (this.tasks.size > 0) await Promise.all([...this.tasks]);
    if (this.failed) throw this.unexpected;
  }
}
