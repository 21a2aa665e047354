import assert from 'node:assert/strict';
import {
  approvalCard, auditCard, entraPolicyUrl, impactSection, mentionName, policyBlockedCard, policyCreatedCard, policyEnforcedCard,
  policyFailedCard, proposalClosedCard, refusalCard, workingCard, type ApprovalCardInput,
} from '../../src/cards/policy';
import { MAX_CARD_BYTES, cardBytes, card as makeCard } from '../../src/cards/elements';
import type { AdaptiveCard } from '../../src/cards/types';
import { ALL_VERBS } from '../../src/cards/verbs';
import type { Proposal } from '../../src/domain/approval';
import type { ImpactSummary } from '../../src/domain/impact';
import { buildPolicyDraft, describeDraft } from '../../src/domain/policyDraft';
import { parseRoleScope } from '../../src/domain/roles';
import { validateCard } from './validate';
import { executeActions, lines, nodes } from './inspect';

const PROPOSAL_ID = '0a1b2c3d-0000-4000-8000-000000000001';
const draft = buildPolicyDraft({ roleIds: parseRoleScope('template'), breakGlassUserIds: ['b9000000-0000-4000-8000-0000000000b1'], exclusionGroupIds: [], authenticationStrengthId: null });
const proposal = (overrides: Partial<Proposal> = {}): Proposal => ({
  id: PROPOSAL_ID, kind: 'create', status: 'pending', requestedBy: { id: 'bob', name: 'Bob **Brown** [x](http://evil.example)' },
  createdAt: '2026-11-26T09:00:00Z', expiresAt: '2026-11-27T09:00:00Z', draft, policyId: null, ...overrides,
});
const impact: ImpactSummary = {
  policyId: 'p1', signInsReadable: true, signInsExamined: 3, from: '2026-11-20T08:00:00Z', to: '2026-11-22T08:00:00Z',
  wouldPrompt: [{ userId: 'bob', userPrincipalName: 'bob@x.example', signIns: 2, lastAt: null }], wouldFail: [], alreadySatisfied: 1,
  unregisteredAdmins: [{ id: 'bob', userPrincipalName: 'bob@x.example', displayName: 'Bob' }], unknownAdmins: 1,
};
const approvalInput = (overrides: Partial<ApprovalCardInput> = {}): ApprovalCardInput => ({
  proposal: proposal(),
  description: describeDraft(draft, { users: { 'b9000000-0000-4000-8000-0000000000b1': 'Break <Glass> 1' }, groups: {} }),
  policy: null, impact: null,
  approvers: [{ id: 'alice-id', displayName: 'Alice <b>Ahmed</b> [click](x)' }, { id: 'erin-id', displayName: 'Erin' }],
  refreshUserIds: ['29:alice'], actionable: false, ...overrides,
});
const done = { policyId: 'p1', displayName: 'MfaBot - Require MFA for admin roles', state: 'enabledForReportingButNotEnforced', at: '2026-11-26T09:00:00Z', requestedBy: { id: 'b', name: 'Bob' }, approvedBy: { id: 'a', name: 'Alice' } };

const CARDS: [string, () => AdaptiveCard][] = [
  ['approval, read-only', () => approvalCard(approvalInput())],
  ['approval, actionable', () => approvalCard(approvalInput({ actionable: true }))],
  ['approval to enforce, with impact and a refusal note', () => approvalCard(approvalInput({ proposal: proposal({ kind: 'enable', draft: null, policyId: 'p1', lastError: 'Graph was down' }), description: null, policy: { id: 'p1', displayName: 'MfaBot' }, impact, note: 'Only approvers can approve.' }))],
  ['approval without approvers', () => approvalCard(approvalInput({ approvers: [] }))],
  ['approval with 200 approvers', () => approvalCard(approvalInput({ approvers: Array.from({ length: 200 }, (_, i) => ({ id: `id-${i}`, displayName: `Approver ${'界'.repeat(80)} ${i}` })), refreshUserIds: Array.from({ length: 200 }, (_, i) => `29:${i}`) }))],
  ['created', () => policyCreatedCard(done)],
  ['already existed, with impact', () => policyCreatedCard({ ...done, alreadyExisted: true, impact })],
  ['impact unreadable', () => makeCard(impactSection({ ...impact, signInsReadable: false, unavailable: { message: 'needs AuditLog.Read.All' }, unknownAdmins: null }))],
  ['enforced', () => policyEnforcedCard({ ...done, state: 'enabled' })],
  ['rejected', () => proposalClosedCard(proposal({ status: 'rejected', decidedBy: { id: 'a', name: 'Alice' }, decidedAt: '2026-11-26T10:00:00Z', reason: 'not now' }))],
  ['expired', () => proposalClosedCard(proposal({ status: 'expired' }))],
  ['closed', () => proposalClosedCard(proposal({ status: 'created', decidedBy: { id: 'a', name: 'Alice' } }))],
  ['blocked', () => policyBlockedCard('create', [{ problem: 'No break-glass account.', fix: 'Set MFABOT_BREAK_GLASS.' }, { problem: 'x'.repeat(5_000), fix: 'y'.repeat(5_000) }])],
  ['refusal', () => refusalCard('Only approvers can approve.')],
  ['working', () => workingCard('create')],
  ['failed', () => policyFailedCard('create', { message: 'Graph refused.', changed: 'no', missing: 'Policy.ReadWrite.ConditionalAccess', requestId: 'r-1' })],
  ['audit, 20 entries of long text', () => auditCard(Array.from({ length: 25 }, (_, i) => ({ at: '2026-11-26T09:00:00Z', actor: { id: 'a', name: '🔐'.repeat(200) }, action: 'policy.create', result: i % 2 ? 'refused' : 'created', policyId: 'p1', detail: '界'.repeat(1_000) })))],
  ['audit, empty', () => auditCard([])],
];

describe('policy cards', () => {
  for (const [name, build] of CARDS) {
    it(`${name}: valid Adaptive Card 1.5, known verbs only, under the size limit`, () => {
      const card = build();
      assert.deepEqual(validateCard(card), []);
      for (const action of executeActions(card)) assert.ok(ALL_VERBS.includes(action.verb), action.verb);
      if (card.refresh) assert.ok(ALL_VERBS.includes(card.refresh.action.verb));
      assert.ok(cardBytes(card) <= MAX_CARD_BYTES, `${cardBytes(card)} bytes`);
    });
  }

  it('puts only the proposal id in the approval card\'s buttons and refresh', () => {
    const card = approvalCard(approvalInput({ actionable: true }));
    for (const action of executeActions(card)) assert.deepEqual(Object.keys(action.data).filter((k) => k !== 'refresh'), ['proposalId']);
    assert.deepEqual(card.refresh?.action.data, { proposalId: PROPOSAL_ID, refresh: true });
    assert.deepEqual(card.refresh?.userIds, ['29:alice']);
  });

  it('offers Approve and Reject (with a reason) to approvers only', () => {
    const verbs = (c: AdaptiveCard) => (c.actions ?? []).map((a) => (a.type === 'Action.Execute' ? [a.verb, a.data.refresh === true] : [a.type]));
    assert.deepEqual(verbs(approvalCard(approvalInput({ actionable: true }))), [['policy.approve', false], ['policy.reject', false]]);
    assert.deepEqual(verbs(approvalCard(approvalInput())), [['policy.approve', true]]);
    assert.ok(nodes(approvalCard(approvalInput({ actionable: true }))).some((n) => n.type === 'Input.Text' && n.id === 'reason'));
  });

  it('@mentions approvers by Entra object id with names that cannot inject markup', () => {
    const card = approvalCard(approvalInput());
    const mention = card.msteams?.entities?.[0];
    assert.deepEqual(mention?.mentioned, { id: 'alice-id', name: 'Alice b Ahmed /b click x' });
    assert.equal(mention?.text, '<at>Alice b Ahmed /b click x</at>');
    assert.equal(mentionName('  '), 'approver');
  });

  it('shows tenant- and Teams-supplied names literally (TextRuns, no markdown)', () => {
    const card = approvalCard(approvalInput());
    const runs = nodes(card).filter((n) => n.type === 'TextRun').map((n) => n.text);
    assert.ok(runs.includes('Bob **Brown** [x](http://evil.example)'));
    assert.ok(lines(card).some((l) => l.includes('Break <Glass> 1')));
    assert.ok(!nodes(card).some((n) => n.type === 'TextBlock' && String(n.text).includes('evil.example')));
  });

  it('links the created policy to the Entra admin center and offers Enforce', () => {
    const card = policyCreatedCard(done);
    assert.ok(JSON.stringify(card).includes(entraPolicyUrl('p1')));
    assert.deepEqual(executeActions(card).map((a) => a.verb), ['policy.enable']);
    assert.deepEqual(executeActions(policyEnforcedCard({ ...done, state: 'enabled' })), []);
  });
});
