/**
 * The status use case: read the tenant once, decide, report. Concurrent callers share one Graph
 * sweep (single flight) and, for a short while, its result; a refresh bypasses the cache.
 */
import type { StatusReport } from '../domain/report';
import { buildStatusReport, type StatusSettings } from '../domain/status';
import type { TenantGateway } from '../graph/gateway';

export interface StatusServiceOptions {
  gateway: TenantGateway;
  settings: StatusSettings;
  cacheSeconds: number;
  now?: () => Date;
}

export class StatusService {
  private cached: { report: StatusReport; at: number } | null = null;
  private inFlight: Promise<StatusReport> | null = null;

  constructor(private readonly opts: StatusServiceOptions) {}

  private now(): Date {
    return this.opts.now ? this.opts.now() : new Date();
  }

  /** The current report; `fresh` forces a new read (joining one already under way). */
  async get(opts: { fresh?: boolean } = {}): Promise<StatusReport> {
    const now = this.now().getTime();
    if (!opts.fresh && this.cached && now - this.cached.at < this.opts.cacheSeconds * 1000) return this.cached.report;
    if (this.inFlight) return this.inFlight;
    const run = (async () => {
      try {
        const facts = await this.opts.gateway.readTenant({ roleIds: this.opts.settings.roleIds });
        const report = buildStatusReport(facts, this.opts.settings, this.now());
        this.cached = { report, at: this.now().getTime() };
        return report;
      } finally {
        this.inFlight = null;
      }
    })();
    this.inFlight = run;
    return run;
  }

  /** Forgets the cached report, e.g. after MfaBot changed the tenant. */
  invalidate(): void {
    this.cached = null;
  }
}
