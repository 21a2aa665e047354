/**
 * The timer every instance runs: one pass at start (work a stopped instance left) and then every
 * interval. Instances race for the same storage leases inside the tasks, so each piece of work is
 * done once however many run. A pass never overlaps the previous one, and one failing task does not
 * stop the others.
 */
import type { Logger } from '../log';
import type { BackgroundWork } from './background';
import { errorSummary } from './failures';

export interface ScheduledTask {
  /** For the log line when it fails. */
  name: string;
  run(): Promise<void>;
}

export interface Scheduler {
  /** One pass over the tasks, in order; joins the pass under way. */
  tick(): Promise<void>;
  start(): void;
  stop(): void;
}

export function createScheduler(tasks: readonly ScheduledTask[], opts: { intervalMs: number; logger: Logger; background: BackgroundWork }): Scheduler {
  let timer: NodeJS.Timeout | null = null;
  let pass: Promise<void> | null = null;
  const tick = (): Promise<void> => {
    pass ??= opts.background.track((async () => {
      for (const task of tasks) {
        try {
          await task.run();
        } catch (err) {
          opts.logger.warn({ err: errorSummary(err), task: task.name }, 'scheduler task failed');
        }
      }
    })().finally(() => {
      pass = null;
    }));
    return pass;
  };
  return {
    tick,
    start() {
      if (timer) return;
      timer = setInterval(() => void tick(), opts.intervalMs);
      timer.unref();
      void tick();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
