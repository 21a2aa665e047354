/**
 * Fault injection: throttling (429 + Retry-After), 5xx and slow answers (timeouts), matched by
 * method and path, each consumed a fixed number of times.
 */
import { z } from 'zod';

export interface Fault {
  /** HTTP method to match (any when absent). */
  method?: string;
  /** Regular expression source matched against the path without version and query, e.g. `^/users`. */
  pathPattern: string;
  /**
   * Status to answer with, with Graph's error body (or `body`). A status below 400 injects only the
   * delay: after `delayMs` the request is served normally (a slow answer).
   */
  status: number;
  /** How many matching requests the fault answers (default 1); a negative value means until cleared. */
  times?: number;
  /** Adds `Retry-After: N`. */
  retryAfterSeconds?: number;
  /** Wait before answering, to make clients time out. */
  delayMs?: number;
  /** Response body instead of the default Graph error body. */
  body?: unknown;
}

export const faultSchema = z.object({
  method: z.string().min(1).optional(),
  pathPattern: z.string().min(1),
  status: z.number().int().min(100).max(599),
  times: z.number().int().optional(),
  retryAfterSeconds: z.number().nonnegative().optional(),
  delayMs: z.number().nonnegative().optional(),
  body: z.unknown().optional(),
}).strict();

interface ArmedFault {
  fault: Fault;
  pattern: RegExp;
  remaining: number;
}

export class FaultInjector {
  private armed: ArmedFault[] = [];

  /** Arms a fault; throws when it is malformed (bad regex, bad status). */
  inject(fault: Fault): void {
    const parsed = faultSchema.safeParse(fault);
    if (!parsed.success) {
      throw new Error(`invalid fault: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    }
    let pattern: RegExp;
    try {
      pattern = new RegExp(fault.pathPattern);
    } catch (err) {
      throw new Error(`invalid fault pathPattern: ${err instanceof Error ? err.message : String(err)}`);
    }
    const times = fault.times ?? 1;
    this.armed.push({ fault: { ...fault }, pattern, remaining: times < 0 ? Number.POSITIVE_INFINITY : times });
  }

  clear(): void {
    this.armed = [];
  }

  list(): Fault[] {
    return this.armed.map((a) => ({ ...a.fault }));
  }

  /** The first armed fault matching the request, consuming one of its uses. */
  take(method: string, path: string): Fault | undefined {
    const hit = this.armed.find((a) => a.remaining > 0
      && (a.fault.method === undefined || a.fault.method.toUpperCase() === method.toUpperCase())
      && a.pattern.test(path));
    if (!hit) return undefined;
    hit.remaining--;
    if (hit.remaining <= 0) this.armed = this.armed.filter((a) => a !== hit);
    return hit.fault;
  }
}
