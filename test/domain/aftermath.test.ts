import assert from 'node:assert/strict';
import type { SignIn } from '@microsoft/microsoft-graph-types';
import { aftermathWindow, stuckAdmins, summariseAftermath } from '../../src/domain/aftermath';
import type { Admin } from '../../src/domain/types';

const POLICY = 'p-mfabot';
const ENFORCED = '2026-12-01T09:00:00Z';
const NOW = new Date('2026-12-03T12:00:00Z');

const admin = (id: string, mfaRegistered: boolean | null = false): Admin => ({
  id, userPrincipalName: `${id}@x.example`, displayName: id.toUpperCase(), accountEnabled: true, roles: [{ roleId: 'r', activation: 'active', via: 'direct' }], mfaRegistered,
});

function signIn(userId: string, at: string, errorCode: number, result = errorCode === 0 ? 'success' : 'failure', policyId = POLICY): SignIn {
  return { id: `${userId}-${at}`, userId, userPrincipalName: `${userId}@x.example`, createdDateTime: at, status: { errorCode }, appliedConditionalAccessPolicies: [{ id: policyId, result: result as 'success' }] };
}

describe('after enforcing: who the policy stopped', () => {
  it('follows for 14 days from the enforcement, not before it nor after', () => {
    assert.deepEqual(aftermathWindow(ENFORCED, NOW), { since: new Date(ENFORCED), until: NOW });
    assert.equal(aftermathWindow(ENFORCED, new Date('2026-12-15T09:00:00Z'))?.since.toISOString(), '2026-12-01T09:00:00.000Z', 'the 14th day still counts');
    assert.equal(aftermathWindow(ENFORCED, new Date('2026-12-15T09:00:01Z')), null);
    assert.equal(aftermathWindow(ENFORCED, new Date('2026-11-30T00:00:00Z')), null, 'not enforced yet');
    assert.equal(aftermathWindow(undefined, NOW), null);
    assert.equal(aftermathWindow('yesterday', NOW), null);
  });

  it('counts the interruptions of the policy (MFA or registration required) per admin, and a later satisfied sign-in as through', () => {
    const result = summariseAftermath({
      policyId: POLICY, enforcedAt: ENFORCED, now: NOW, admins: [admin('ann', true), admin('bo'), admin('cy'), admin('di')],
      signIns: [
        signIn('ann', '2026-12-02T09:00:00Z', 50074),
        signIn('ann', '2026-12-02T09:05:00Z', 50074),
        signIn('bo', '2026-12-01T10:00:00Z', 50079),
        signIn('bo', '2026-12-01T09:30:00Z', 0), // before the interruption: not "through"
        signIn('cy', '2026-12-01T11:00:00Z', 50076),
        signIn('cy', '2026-12-02T08:00:00Z', 0),
        signIn('di', '2026-11-30T08:00:00Z', 50076), // before enforcement
        signIn('di', '2026-12-02T08:00:00Z', 50126), // wrong password: not the policy's doing
        signIn('di', '2026-12-02T08:10:00Z', 50074, 'failure', 'another-policy'),
        signIn('eve', '2026-12-02T08:00:00Z', 50074), // no admin
      ],
    });
    assert.equal(result.readable, true);
    assert.deepEqual(result.admins.map((a) => [a.userId, a.interruptions, a.mustRegister, a.through]), [
      ['ann', 2, false, false], ['bo', 1, true, false], ['cy', 1, false, true],
    ]);
    assert.equal(result.admins[2]?.throughAt, '2026-12-02T08:00:00Z');
    assert.deepEqual(stuckAdmins(result).map((a) => a.userId), ['ann', 'bo']);
  });

  it('says when the logs could not be read', () => {
    const result = summariseAftermath({ policyId: POLICY, enforcedAt: ENFORCED, now: NOW, admins: null, signIns: null, unavailable: { message: 'no licence' } });
    assert.deepEqual([result.readable, result.unavailable?.message, result.admins], [false, 'no licence', []]);
    assert.deepEqual(stuckAdmins(null), []);
  });
});
