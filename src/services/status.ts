/**
 * The status use case: read the tenant once, decide, report. Concurrent callers share one Graph
 * sweep (single flight) and, for a short while, its result; a refresh bypasses the cache.
 */
import type { StatusReport } from '../domain/report';
import { buildStatusReport, type StatusSettings } from '../domain/status';
import type { TenantGateway } from '../graph/gateway';
import type { Logger } from '../log';
import { SingleFlight } from './cache';

export interface StatusServiceOptions {
  gateway: TenantGateway;
  settings: StatusSettings;
  cacheSeconds: number;
  now?: () => Date;
  /** Told about every part of the tenant a sweep could not read (the card shows them as caveats). */
  logger?: Logger;
}

export class StatusService {
  private readonly report: SingleFlight<StatusReport>;

  constructor(private readonly opts: StatusServiceOptions) {
    this.report = new SingleFlight(
      async () => {
        const { roleIds, breakGlassUserIds, exclusionGroupId, exclusionGroupIds } = opts.settings;
        const facts = await opts.gateway.readTenant({
          roleIds,
          breakGlassIds: breakGlassUserIds,
          exclusionGroupIds: [...(exclusionGroupId ? [exclusionGroupId] : []), ...(exclusionGroupIds ?? [])],
        });
        for (const caveat of facts.caveats) {
          opts.logger?.warn({ area: caveat.area, detail: caveat.message, missing: caveat.missing ?? null }, 'status: part of the tenant could not be read');
        }
        return buildStatusReport(facts, opts.settings, this.now());
      },
      opts.cacheSeconds * 1000,
      () => this.now().getTime(),
    );
  }

  private now(): Date {
    return this.opts.now ? this.opts.now() : new Date();
  }

  /** The current report; `fresh` forces a new read (joining one already under way). */
  get(opts: { fresh?: boolean } = {}): Promise<StatusReport> {
    return this.report.get(opts);
  }

  /** Forgets the cached report, e.g. after MfaBot changed the tenant. */
  invalidate(): void {
    this.report.invalidate();
  }
}
