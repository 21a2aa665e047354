import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MemoryStorage } from 'botbuilder';
import { AuditLog, type AuditEntry } from '../../src/store/audit';
import { FileStore } from '../../src/store/fileStore';
import type { KeyValueStore } from '../../src/store/kv';
import { OperationLock } from '../../src/store/lock';
import { ProposalStore, isProposalId } from '../../src/store/proposals';
import type { Proposal } from '../../src/domain/approval';

const fileStore = (): FileStore => new FileStore(mkdtempSync(path.join(tmpdir(), 'mfabot-stores-')));
const KINDS: [string, () => KeyValueStore][] = [['FileStore', fileStore], ['MemoryStorage', () => new MemoryStorage()]];

function entry(n: number): AuditEntry {
  return { at: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(), actor: { id: 'u', name: `User ${n}` }, action: 'policy.create', result: 'refused', detail: `entry ${n}` };
}

function proposal(id: string, overrides: Partial<Proposal> = {}): Proposal {
  return {
    id, kind: 'create', status: 'pending', requestedBy: { id: 'bob', name: 'Bob' },
    createdAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-02T00:00:00.000Z', draft: null, policyId: null, ...overrides,
  };
}

const ID = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

for (const [kind, make] of KINDS) {
  describe(`OperationLock on ${kind}`, () => {
    it('grants a free lease, refuses it to others while held, and frees it on release', async () => {
      const lock = new OperationLock(make());
      const a = await lock.acquire('policy', 'a', 60_000);
      assert.equal(a.acquired, true);
      const b = await lock.acquire('policy', 'b', 60_000);
      assert.deepEqual(b.acquired ? 'acquired' : b.owner, 'a');
      if (a.acquired) await a.release();
      assert.equal((await lock.acquire('policy', 'b', 60_000)).acquired, true);
    });

    it('lets exactly one of 20 concurrent callers take the lease', async () => {
      const lock = new OperationLock(make());
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => lock.acquire('policy', `owner-${i}`, 60_000)));
      assert.equal(results.filter((r) => r.acquired).length, 1);
    });

    it('lets a lease that outlived its TTL be taken over, and ignores the old holder\'s late release', async () => {
      let now = new Date('2026-01-01T00:00:00Z');
      const store = make();
      const lock = new OperationLock(store, () => now);
      const crashed = await lock.acquire('policy', 'crashed', 1_000);
      assert.equal(crashed.acquired, true);
      now = new Date(now.getTime() + 1_001);
      const next = await lock.acquire('policy', 'next', 1_000);
      assert.equal(next.acquired, true);
      await lock.release('policy', 'crashed');
      assert.equal((await lock.acquire('policy', 'third', 1_000)).acquired, false, 'the late release did not free the new lease');
    });

    it('renews a lease only while its holder still has it, so a holder that outlived its TTL learns it lost it', async () => {
      let now = new Date('2026-01-01T00:00:00Z');
      const lock = new OperationLock(make(), () => now);
      const slow = await lock.acquire('policy', 'slow', 1_000);
      assert.ok(slow.acquired);
      now = new Date(now.getTime() + 900);
      assert.equal(await slow.renew(), true, 'still held: extended');
      now = new Date(now.getTime() + 900);
      assert.equal((await lock.acquire('policy', 'other', 1_000)).acquired, false, 'the renewal counted from when it was made');
      now = new Date(now.getTime() + 1_001);
      assert.equal((await lock.acquire('policy', 'other', 1_000)).acquired, true);
      assert.equal(await slow.renew(), false, 'taken over: the old holder must not go on');
    });
  });

  describe(`AuditLog on ${kind}`, () => {
    it('returns the latest entries newest first, across pages', async () => {
      const log = new AuditLog(make(), { pageSize: 3 });
      for (let i = 1; i <= 8; i++) await log.append(entry(i));
      assert.deepEqual((await log.latest(5)).map((e) => e.detail), ['entry 8', 'entry 7', 'entry 6', 'entry 5', 'entry 4']);
      assert.equal((await log.latest(100)).length, 8);
    });

    it('loses no entry when 40 appends race', async () => {
      const log = new AuditLog(make(), { pageSize: 7 });
      await Promise.all(Array.from({ length: 40 }, (_, i) => log.append(entry(i))));
      const all = await log.latest(100);
      assert.equal(all.length, 40);
      assert.equal(new Set(all.map((e) => e.detail)).size, 40);
    });

    it('is empty before anything was appended', async () => {
      assert.deepEqual(await new AuditLog(make()).latest(20), []);
    });
  });

  describe(`ProposalStore on ${kind}`, () => {
    it('stores, reads and updates a proposal', async () => {
      const store = new ProposalStore(make());
      await store.create(proposal(ID(1)));
      const updated = await store.update(ID(1), (p) => ({ ...p, status: 'rejected', reason: 'no' }));
      assert.equal(updated?.status, 'rejected');
      assert.equal((await store.get(ID(1)))?.reason, 'no');
      assert.equal((await store.get(ID(1)) as unknown as Record<string, unknown>).eTag, undefined, 'no storage detail leaks out');
    });

    it('does not look up ids that are not proposal ids', async () => {
      const store = new ProposalStore(make());
      assert.equal(await store.get('../policy/record'), undefined);
      assert.equal(isProposalId('audit/head'), false);
    });

    it('joins concurrent requests into one open proposal', async () => {
      const store = new ProposalStore(make());
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.createOpen(proposal(ID(10 + i)), (p) => p.status === 'pending')));
      const ids = new Set(results.map((r) => r.proposal.id));
      assert.equal(ids.size, 1);
      assert.equal(results.filter((r) => r.created).length, 1);
      assert.ok(await store.get([...ids][0] as string));
    });

    it('opens a new proposal once the previous one is closed', async () => {
      const store = new ProposalStore(make());
      await store.createOpen(proposal(ID(30)), (p) => p.status === 'pending');
      await store.update(ID(30), (p) => ({ ...p, status: 'rejected' }));
      const next = await store.createOpen(proposal(ID(31)), (p) => p.status === 'pending');
      assert.deepEqual([next.created, next.proposal.id], [true, ID(31)]);
    });

    it('keeps the record of the created policy', async () => {
      const store = new ProposalStore(make());
      const record = { policyId: 'p1', displayName: 'x', state: 'enabledForReportingButNotEnforced', createdAt: 't', createdBy: { id: 'a', name: 'A' }, requestedBy: { id: 'b', name: 'B' } };
      await store.savePolicyRecord(record);
      await store.savePolicyRecord({ ...record, state: 'enabled' });
      assert.equal((await store.policyRecord())?.state, 'enabled');
    });
  });
}

describe('stores on a FileStore directory reopened after a restart', () => {
  it('still have the audit entries, proposals and policy record', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mfabot-restart-'));
    const before = new FileStore(dir);
    await new AuditLog(before, { pageSize: 2 }).append(entry(1));
    await new AuditLog(before, { pageSize: 2 }).append(entry(2));
    await new AuditLog(before, { pageSize: 2 }).append(entry(3));
    await new ProposalStore(before).create(proposal(ID(5)));
    const after = new FileStore(dir);
    assert.deepEqual((await new AuditLog(after, { pageSize: 2 }).latest(10)).map((e) => e.detail), ['entry 3', 'entry 2', 'entry 1']);
    assert.equal((await new ProposalStore(after).get(ID(5)))?.status, 'pending');
  });
});
