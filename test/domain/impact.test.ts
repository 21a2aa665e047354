import assert from 'node:assert/strict';
import type { SignIn } from '@microsoft/microsoft-graph-types';
import { summariseImpact } from '../../src/domain/impact';
import type { Admin } from '../../src/domain/types';

const POLICY = 'p1';
const signIn = (id: string, user: string, result: string, at: string, policy = POLICY): SignIn => ({
  id, userId: user, userPrincipalName: `${user}@x.example`, createdDateTime: at,
  appliedConditionalAccessPolicies: [{ id: policy, result: result as never }],
});
const admin = (id: string, mfaRegistered: boolean | null): Admin => ({
  id, userPrincipalName: `${id}@x.example`, displayName: id.toUpperCase(), accountEnabled: true, roles: [], mfaRegistered,
});

describe('report-only impact', () => {
  it('counts who would have been prompted, who could not satisfy it and who already had MFA', () => {
    const impact = summariseImpact(POLICY, [
      signIn('1', 'bob', 'reportOnlyInterrupted', '2026-11-20T08:00:00Z'),
      signIn('2', 'bob', 'reportOnlyInterrupted', '2026-11-21T08:00:00Z'),
      signIn('3', 'ann', 'reportOnlySuccess', '2026-11-19T08:00:00Z'),
      signIn('4', 'cat', 'reportOnlyFailure', '2026-11-22T08:00:00Z'),
      signIn('5', 'dan', 'reportOnlyInterrupted', '2026-11-22T08:00:00Z', 'other-policy'),
    ], [admin('bob', false), admin('ann', true), admin('eve', null)]);
    assert.equal(impact.signInsExamined, 4);
    assert.deepEqual(impact.wouldPrompt.map((u) => [u.userPrincipalName, u.signIns, u.lastAt]), [['bob@x.example', 2, '2026-11-21T08:00:00Z']]);
    assert.deepEqual(impact.wouldFail.map((u) => u.userId), ['cat']);
    assert.equal(impact.alreadySatisfied, 1);
    assert.deepEqual([impact.from, impact.to], ['2026-11-19T08:00:00Z', '2026-11-22T08:00:00Z']);
    assert.deepEqual(impact.unregisteredAdmins.map((a) => a.id), ['bob']);
    assert.equal(impact.unknownAdmins, 1);
  });

  it('says the sign-in logs could not be read instead of reporting zero', () => {
    const impact = summariseImpact(POLICY, null, null, { message: 'needs AuditLog.Read.All', missing: 'AuditLog.Read.All' });
    assert.equal(impact.signInsReadable, false);
    assert.equal(impact.unavailable?.missing, 'AuditLog.Read.All');
    assert.equal(impact.unknownAdmins, null);
  });

  it('ignores results Graph hid as unknownFutureValue (no Prefer header) rather than miscounting them', () => {
    const impact = summariseImpact(POLICY, [signIn('1', 'bob', 'unknownFutureValue', '2026-11-20T08:00:00Z')], []);
    assert.equal(impact.signInsExamined, 1);
    assert.deepEqual(impact.wouldPrompt, []);
  });
});
