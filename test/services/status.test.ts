import assert from 'node:assert/strict';
import type { TenantFacts } from '../../src/domain/facts';
import type { ReadTenantOptions, TenantGateway } from '../../src/graph/gateway';
import { StatusService } from '../../src/services/status';

const SETTINGS = { roleIds: [], breakGlassUserIds: [], exclusionGroupId: null };

/** A gateway whose reads the test finishes by hand, counting them. */
class ManualGateway implements TenantGateway {
  reads = 0;
  private pending: Array<{ resolve: (f: TenantFacts) => void; reject: (e: Error) => void }> = [];

  readTenant(_opts: ReadTenantOptions): Promise<TenantFacts> {
    this.reads++;
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  }

  finish(tenantName = 'Fabrikam'): void {
    for (const p of this.pending.splice(0)) {
      p.resolve({
        tenantId: 't', tenantName, grants: [], groupMembers: {}, registrations: {}, policies: [], mfaStrengthIds: [],
        securityDefaultsEnabled: false, licence: 'p2', secureScore: null, roleNames: {}, caveats: [], graphRequests: 1, readAt: '2026-01-01T00:00:00Z',
      });
    }
  }

  fail(): void {
    for (const p of this.pending.splice(0)) p.reject(new Error('Graph is down'));
  }
}

async function settle(): Promise<void> {
  await new Promise((r) => setImmediate(r));
}

describe('StatusService: one Graph sweep for many chats', () => {
  it('answers 100 simultaneous requests from one tenant read', async () => {
    const gateway = new ManualGateway();
    const service = new StatusService({ gateway, settings: SETTINGS, cacheSeconds: 60 });
    const answers = Array.from({ length: 100 }, () => service.get());
    await settle();
    gateway.finish();
    const reports = await Promise.all(answers);
    assert.equal(gateway.reads, 1);
    assert.ok(reports.every((r) => r === reports[0]), 'everyone gets the same report');
  });

  it('reuses the report for cacheSeconds, then reads again', async () => {
    let now = Date.parse('2026-01-01T10:00:00Z');
    const gateway = new ManualGateway();
    const service = new StatusService({ gateway, settings: SETTINGS, cacheSeconds: 60, now: () => new Date(now) });
    const first = service.get();
    await settle();
    gateway.finish();
    await first;
    now += 59_000;
    await service.get();
    assert.equal(gateway.reads, 1, 'within the minute: cached');
    now += 2_000;
    const later = service.get();
    await settle();
    gateway.finish();
    await later;
    assert.equal(gateway.reads, 2, 'after the minute: read again');
  });

  it('reads again for Refresh even when a cached report is fresh', async () => {
    const gateway = new ManualGateway();
    const service = new StatusService({ gateway, settings: SETTINGS, cacheSeconds: 60 });
    const first = service.get();
    await settle();
    gateway.finish('Before');
    await first;
    const refreshed = service.get({ fresh: true });
    await settle();
    gateway.finish('After');
    assert.equal((await refreshed).tenantName, 'After');
    assert.equal(gateway.reads, 2);
  });

  it('does not keep a failed read: the next request tries Graph again', async () => {
    const gateway = new ManualGateway();
    const service = new StatusService({ gateway, settings: SETTINGS, cacheSeconds: 60 });
    const failing = Promise.all([service.get(), service.get()]);
    await settle();
    gateway.fail();
    await assert.rejects(failing, /Graph is down/);
    const retry = service.get();
    await settle();
    gateway.finish();
    await retry;
    assert.equal(gateway.reads, 2);
  });
});
