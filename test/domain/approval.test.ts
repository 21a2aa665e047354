import assert from 'node:assert/strict';
import {
  cleanReason, clickIsApproval, createBlockers, effectiveStatus, isConfiguredApprover, mayAct, mayDecide, proposalTimes,
  type BreakGlassCheck, type CreateFacts, type Proposal,
} from '../../src/domain/approval';

const NOW = new Date('2026-11-26T09:00:00Z');
const ALICE = { id: 'a1000000-0000-4000-8000-000000000001', name: 'Alice' };
const BOB = { id: 'a1000000-0000-4000-8000-000000000002', name: 'Bob' };

function proposal(overrides: Partial<Proposal> = {}): Proposal {
  return { id: 'p', kind: 'create', status: 'pending', requestedBy: BOB, ...proposalTimes(NOW), draft: null, policyId: null, ...overrides };
}

const breakGlass = (overrides: Partial<BreakGlassCheck> = {}): BreakGlassCheck => ({ id: 'bg', kind: 'user', displayName: 'Break Glass', accountEnabled: true, ...overrides });
const okFacts = (overrides: Partial<CreateFacts> = {}): CreateFacts => ({ licence: 'p2', securityDefaultsEnabled: false, breakGlass: [breakGlass()], ...overrides });

describe('who may do what', () => {
  it('lets only approvers act, naming the action in the refusal', () => {
    assert.deepEqual(mayAct('create', true), { allowed: true });
    assert.deepEqual(mayAct('approve', false), { allowed: false, reason: 'Only approvers can approve.' });
    assert.deepEqual(mayAct('audit', false), { allowed: false, reason: 'Only approvers can see the audit log.' });
  });

  it('recognises approvers by configured id or group membership, case-insensitively, and never an empty id', () => {
    assert.equal(isConfiguredApprover(ALICE.id.toUpperCase(), [ALICE.id]), true);
    assert.equal(isConfiguredApprover(BOB.id, [ALICE.id], [BOB.id]), true);
    assert.equal(isConfiguredApprover('', [''], ['']), false);
    assert.equal(isConfiguredApprover(BOB.id, [ALICE.id]), false);
  });

  it('treats an approver\'s click as the approval, except under the two-person rule', () => {
    assert.equal(clickIsApproval(true, { twoPersonRule: false }), true);
    assert.equal(clickIsApproval(true, { twoPersonRule: true }), false);
    assert.equal(clickIsApproval(false, { twoPersonRule: false }), false);
  });
});

describe('deciding a proposal', () => {
  const rules = { twoPersonRule: false };

  it('allows an approver to approve or reject a pending proposal', () => {
    assert.deepEqual(mayDecide('approve', proposal(), ALICE, true, rules, NOW), { allowed: true });
    assert.deepEqual(mayDecide('reject', proposal(), ALICE, true, rules, NOW), { allowed: true });
  });

  it('refuses non-approvers', () => {
    assert.equal(mayDecide('approve', proposal(), BOB, false, rules, NOW).allowed, false);
  });

  it('refuses once the proposal expired (default 24 h)', () => {
    const later = new Date(NOW.getTime() + 24 * 3600 * 1000);
    const decision = mayDecide('approve', proposal(), ALICE, true, rules, later);
    assert.deepEqual(decision, { allowed: false, reason: 'This request is already expired.' });
    assert.equal(effectiveStatus(proposal(), later), 'expired');
    assert.equal(effectiveStatus(proposal(), new Date(later.getTime() - 1)), 'pending');
  });

  it('refuses a proposal already decided', () => {
    assert.equal(mayDecide('approve', proposal({ status: 'rejected' }), ALICE, true, rules, NOW).allowed, false);
    assert.equal(mayDecide('reject', proposal({ status: 'created' }), ALICE, true, rules, NOW).allowed, false);
  });

  it('with the two-person rule, refuses the requester approving their own request but lets them reject it', () => {
    const own = proposal({ requestedBy: ALICE });
    const decision = mayDecide('approve', own, ALICE, true, { twoPersonRule: true }, NOW);
    assert.equal(decision.allowed, false);
    assert.match(decision.allowed ? '' : decision.reason, /two-person rule/);
    assert.deepEqual(mayDecide('reject', own, ALICE, true, { twoPersonRule: true }, NOW), { allowed: true });
    assert.deepEqual(mayDecide('approve', own, { ...BOB }, true, { twoPersonRule: true }, NOW), { allowed: true });
  });

  it('cleans a typed reason: no control characters, collapsed whitespace, at most 500 characters', () => {
    assert.equal(cleanReason('  no\n\tway\u0007 '), 'no way');
    assert.equal(cleanReason(42), '');
    assert.equal(cleanReason('x'.repeat(900)).length, 500);
  });
});

describe('what must hold before creating the policy', () => {
  it('nothing blocks a P2 tenant with security defaults off and an enabled break-glass user', () => {
    assert.deepEqual(createBlockers(okFacts()), []);
  });

  it('blocks without any break-glass account and says to set MFABOT_BREAK_GLASS', () => {
    const [b] = createBlockers(okFacts({ breakGlass: [] }));
    assert.match(b?.problem ?? '', /No break-glass/);
    assert.match(b?.fix ?? '', /MFABOT_BREAK_GLASS/);
  });

  it('blocks a break-glass id that is missing, a group, a service principal or a disabled user', () => {
    const blockers = createBlockers(okFacts({
      breakGlass: [
        breakGlass({ id: 'm', kind: 'missing', displayName: null, accountEnabled: null }),
        breakGlass({ id: 'g', kind: 'group', displayName: 'Ops' }),
        breakGlass({ id: 's', kind: 'servicePrincipal', displayName: 'App' }),
        breakGlass({ id: 'd', accountEnabled: false, displayName: 'BG 2' }),
      ],
    }));
    assert.deepEqual(blockers.map((b) => b.problem), [
      'The break-glass account m does not exist in this tenant.',
      'The break-glass id g (Ops) is a group, not a user.',
      'The break-glass id s (App) is a service principal, not a user.',
      'The break-glass account BG 2 is disabled, so it could not be used in an emergency.',
    ]);
  });

  it('blocks a free tenant, pointing at security defaults', () => {
    const [b] = createBlockers(okFacts({ licence: 'free' }));
    assert.match(b?.problem ?? '', /P1/);
    assert.match(b?.fix ?? '', /security defaults/);
  });

  it('blocks while security defaults are on and says what turning them off means', () => {
    const [b] = createBlockers(okFacts({ securityDefaultsEnabled: true }));
    assert.match(b?.problem ?? '', /Security defaults are on/);
    assert.match(b?.fix ?? '', /turn security defaults off/);
  });

  it('blocks when the licence or security defaults could not be read', () => {
    assert.equal(createBlockers(okFacts({ licence: null, securityDefaultsEnabled: null })).length, 2);
  });

  it('blocks an authentication strength that is unknown or does not require MFA', () => {
    assert.match(createBlockers(okFacts({ strength: { id: 'x', found: false, requiresMfa: false, name: null } }))[0]?.problem ?? '', /does not exist/);
    assert.match(createBlockers(okFacts({ strength: { id: 'x', found: true, requiresMfa: false, name: 'Weak' } }))[0]?.problem ?? '', /"Weak" does not require MFA/);
  });
});
