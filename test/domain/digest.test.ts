import assert from 'node:assert/strict';
import { buildDigest, currentSlot, digestSnapshot, duePeriod, isCadence } from '../../src/domain/digest';
import { ROLE } from '../../src/domain/roles';
import { admin, makeReport, role } from '../cards/fixtures';

const a = admin({ id: 'a0000000-0000-4000-8000-000000000001', upn: 'a@x.example', name: 'Ann', roles: [role(ROLE.globalAdministrator)], mfa: false });
const b = admin({ id: 'a0000000-0000-4000-8000-000000000002', upn: 'b@x.example', name: 'Ben', roles: [role(ROLE.userAdministrator)], mfa: null });
const c = admin({ id: 'a0000000-0000-4000-8000-000000000003', upn: 'c@x.example', name: 'Cat', roles: [role(ROLE.exchangeAdministrator)], mfa: true });
const GONE = 'a0000000-0000-4000-8000-0000000000ee';

describe('digest', () => {
  describe('coverage now against the last digest', () => {
    it('the first digest has no comparison and lists who is missing, worst first', () => {
      const d = buildDigest(makeReport({ admins: [b, c, a] }), null);
      assert.equal(d.previous, null);
      assert.deepEqual(d.missing.map((x) => x.id), [a.id, b.id]);
      assert.deepEqual(d.newlyMissing, [], 'nothing is "new" without a previous digest');
      assert.deepEqual(d.registeredSince, []);
    });

    it('names who registered since, counts who left scope and flags who is newly missing', () => {
      const previous = { at: '2025-11-25T08:00:00Z', admins: 3, registered: 0, missingIds: [a.id, c.id, GONE] };
      const d = buildDigest(makeReport({ admins: [a, b, c] }), previous);
      assert.deepEqual(d.previous, { at: previous.at, admins: 3, registered: 0 });
      assert.deepEqual(d.registeredSince.map((p) => p.displayName), ['Cat']);
      assert.equal(d.leftScope, 1);
      assert.deepEqual(d.newlyMissing.map((x) => x.id), [b.id]);
      assert.equal(d.totals.registered, 1);
    });

    it('remembers the missing ids and the numbers for the next digest', () => {
      const snap = digestSnapshot(makeReport({ admins: [a, b, c] }));
      assert.deepEqual(snap.missingIds, [a.id, b.id].sort());
      assert.equal(snap.admins, 3);
      assert.equal(snap.registered, 1);
    });
  });

  describe('schedule', () => {
    const schedule = { hourUtc: 8, weekday: 1 };

    it('the daily slot is today at the hour once it has passed, else yesterday', () => {
      assert.equal(currentSlot('daily', new Date('2025-11-26T07:59:00Z'), schedule).period, 'daily:2025-11-25');
      assert.equal(currentSlot('daily', new Date('2025-11-26T08:00:00Z'), schedule).period, 'daily:2025-11-26');
    });

    it('the weekly slot is the last chosen weekday at the hour', () => {
      // 2025-11-26 is a Wednesday; the Monday before is the 24th.
      assert.equal(currentSlot('weekly', new Date('2025-11-26T10:00:00Z'), schedule).period, 'weekly:2025-11-24');
      assert.equal(currentSlot('weekly', new Date('2025-11-24T07:00:00Z'), schedule).period, 'weekly:2025-11-17');
      assert.equal(currentSlot('weekly', new Date('2025-11-26T10:00:00Z'), { hourUtc: 8, weekday: 3 }).period, 'weekly:2025-11-26');
    });

    it('is due once per slot, and not for a slot before the subscription', () => {
      const sub = { cadence: 'daily' as const, createdAt: '2025-11-26T10:00:00Z', lastPeriod: null };
      assert.equal(duePeriod(sub, new Date('2025-11-26T12:00:00Z'), schedule), null, 'today\'s slot passed before subscribing');
      assert.equal(duePeriod(sub, new Date('2025-11-27T08:01:00Z'), schedule), 'daily:2025-11-27');
      assert.equal(duePeriod({ ...sub, lastPeriod: 'daily:2025-11-27' }, new Date('2025-11-27T20:00:00Z'), schedule), null);
      assert.equal(duePeriod({ ...sub, lastPeriod: 'daily:2025-11-27' }, new Date('2025-11-30T09:00:00Z'), schedule), 'daily:2025-11-30', 'after downtime, one digest for the latest slot');
    });

    it('knows its cadences', () => {
      assert.ok(isCadence('daily'));
      assert.ok(isCadence('weekly'));
      assert.ok(!isCadence('hourly'));
    });
  });
});
