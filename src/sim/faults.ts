/**
 * Fault injection: throttling (429 + Retry-After), 5xx and slow answers (timeouts), matched by
 * method, path and query, each consumed a fixed number of times; and named faults, the other
 * reading of a Graph behaviour the documentation leaves open (`mfabot sim --fault`).
 */
import { z } from 'zod';

/**
 * Documented-but-unverified Graph behaviours the simulator can switch to. By default it follows the
 * strictest reading it can serve; each of these is a reading MfaBot must survive as well.
 */
export const GRAPH_FAULTS = {
  'registration-filter-400': 'the registration report answers 400 to an isAdmin filter, $select and $top',
  'assignments-in-expand-400': 'role assignments answer 400 to a filter with `in` combined with $expand',
  'assignments-top-400': 'role assignments answer 400 to $top (a page size Microsoft does not document there)',
  'batch-503-once': 'the first $batch POST answers 503',
  'licence-403-once': 'the first registration read of a premium tenant answers 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant',
  'members-id-only': 'transitive members come back as id and @odata.type only unless User.Read.All is granted',
  'pim-write-app-403': 'PIM rule updates answer 403 to application tokens (Microsoft\'s permission map lists them as delegated only)',
} as const;

export type GraphFaultName = keyof typeof GRAPH_FAULTS;

export const GRAPH_FAULT_NAMES = Object.keys(GRAPH_FAULTS) as GraphFaultName[];

export function isGraphFaultName(name: string): name is GraphFaultName {
  return Object.prototype.hasOwnProperty.call(GRAPH_FAULTS, name);
}

/** The named faults a simulator runs with; the `-once` ones fire on their first chance only. */
export class GraphFaults {
  private readonly on: ReadonlySet<GraphFaultName>;
  private readonly spent = new Set<GraphFaultName>();
  private readonly hits = new Map<GraphFaultName, number>();

  constructor(names: readonly GraphFaultName[] = []) {
    this.on = new Set(names);
  }

  has(name: GraphFaultName): boolean {
    return this.on.has(name);
  }

  /** True the first time it is asked about a fault that is on, false ever after. */
  once(name: GraphFaultName): boolean {
    if (!this.on.has(name) || this.spent.has(name)) return false;
    this.spent.add(name);
    this.fired(name);
    return true;
  }

  /** Records that a fault changed an answer (so tests can tell a fault that fired from one that never mattered). */
  fired(name: GraphFaultName): void {
    this.hits.set(name, (this.hits.get(name) ?? 0) + 1);
  }

  /** Forgets which `-once` faults fired and every count, as if the simulator had just started. */
  rearm(): void {
    this.spent.clear();
    this.hits.clear();
  }

  /** How many answers each fault changed. */
  firedCounts(): Partial<Record<GraphFaultName, number>> {
    return Object.fromEntries(this.hits);
  }

  list(): GraphFaultName[] {
    return [...this.on];
  }
}

export interface Fault {
  /** HTTP method to match (any when absent). */
  method?: string;
  /** Regular expression source matched against the path without version and query, e.g. `^/users`. */
  pathPattern: string;
  /** Regular expression source matched against the decoded query string (without `?`); any query when absent. */
  queryPattern?: string;
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
  queryPattern: z.string().min(1).optional(),
  status: z.number().int().min(100).max(599),
  times: z.number().int().optional(),
  retryAfterSeconds: z.number().nonnegative().optional(),
  delayMs: z.number().nonnegative().optional(),
  body: z.unknown().optional(),
}).strict();

interface ArmedFault {
  fault: Fault;
  pattern: RegExp;
  query: RegExp | null;
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
    const compile = (source: string, what: string): RegExp => {
      try {
        return new RegExp(source);
      } catch (err) {
        throw new Error(`invalid fault ${what}: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    const pattern = compile(fault.pathPattern, 'pathPattern');
    const query = fault.queryPattern === undefined ? null : compile(fault.queryPattern, 'queryPattern');
    const times = fault.times ?? 1;
    this.armed.push({ fault: { ...fault }, pattern, query, remaining: times < 0 ? Number.POSITIVE_INFINITY : times });
  }

  clear(): void {
    this.armed = [];
  }

  list(): Fault[] {
    return this.armed.map((a) => ({ ...a.fault }));
  }

  /** The first armed fault matching the request, consuming one of its uses. */
  take(method: string, path: string, rawQuery = ''): Fault | undefined {
    let query: string | null = null;
    const decoded = (): string => {
      if (query === null) {
        try {
          query = decodeURIComponent(rawQuery.replace(/\+/g, ' '));
        } catch {
          query = rawQuery;
        }
      }
      return query;
    };
    const hit = this.armed.find((a) => a.remaining > 0
      && (a.fault.method === undefined || a.fault.method.toUpperCase() === method.toUpperCase())
      && a.pattern.test(path)
      && (a.query === null || a.query.test(decoded())));
    if (!hit) return undefined;
    hit.remaining--;
    if (hit.remaining <= 0) this.armed = this.armed.filter((a) => a !== hit);
    return hit.fault;
  }
}
