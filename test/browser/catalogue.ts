/**
 * Every card the bot can send, for the browser tests: the shared card catalogue (test/cards/catalogue.ts:
 * status at several tenant shapes, help, error, notice, and the nudge feature's cards: the 1:1 nudge,
 * the delivery result, progress, thanks, not yet, the channel's "registered" note, the refusals and
 * the digest) plus the cards of the policy feature (approval, created, enforced, closed, blocked,
 * refusal, working, failed, audit) and the status card with its report-only impact section.
 * `screenshot` names the main cards, which are written under test-output/screenshots.
 */
import { statusCard } from '../../src/cards';
import {
  approvalCard, auditCard, pimResultCard, policyBlockedCard, policyCreatedCard, policyEnforcedCard, policyFailedCard, proposalClosedCard,
  refusalCard, workingCard, type ApprovalCardInput, type PolicyDoneInput,
} from '../../src/cards/policy';
import { ROLE } from '../../src/domain/roles';
import type { AdaptiveCard } from '../../src/cards/types';
import type { Proposal } from '../../src/domain/approval';
import type { ImpactSummary } from '../../src/domain/impact';
import { buildPolicyDraft, describeDraft } from '../../src/domain/policyDraft';
import { parseRoleScope } from '../../src/domain/roles';
import { CATALOGUE } from '../cards/catalogue';
import { NOW, p2WithEligibleAdmins } from '../cards/fixtures';

export interface BrowserCard {
  name: string;
  card: () => AdaptiveCard;
  /** Written to test-output/screenshots/<screenshot>.png when set. */
  screenshot?: string;
}

const SCREENSHOTS: Readonly<Record<string, string>> = {
  'status: P2 with eligible admins': 'status-p2',
  'status: free licence, nothing covered': 'status-free-licence',
  'status: all registered and covered': 'status-covered',
  'status: admins who can sign in without MFA (Tailspin)': 'status-per-admin',
  help: 'help',
  error: 'error',
  'nudge: policy report-only': 'nudge',
  'nudge result: sent, skipped and failed': 'nudge-result',
  'nudge: not confirmed yet': 'nudge-not-yet',
  'digest: changes since the last one, weekly, enforcement to approve': 'digest',
  'status: PIM activation per role, Require MFA on activation offered': 'status-pim',
  'status: after enforcing, who the policy stopped': 'status-after-enforcing',
  'status: Free tenant, registration from authentication methods': 'status-free-methods',
};

const BREAK_GLASS = 'b9000000-0000-4000-8000-0000000000b1';
const draft = buildPolicyDraft({ roleIds: parseRoleScope('template'), breakGlassUserIds: [BREAK_GLASS], exclusionGroupIds: [], authenticationStrengthId: null });

const proposal = (overrides: Partial<Proposal> = {}): Proposal => ({
  id: '0a1b2c3d-0000-4000-8000-000000000001',
  kind: 'create',
  status: 'pending',
  requestedBy: { id: '8f1b2c3d-0000-4000-8000-0000000000b0', name: 'Alan Steiner' },
  createdAt: '2026-11-26T09:00:00Z',
  expiresAt: '2026-11-27T09:00:00Z',
  draft,
  policyId: null,
  ...overrides,
});

const impact: ImpactSummary = {
  policyId: 'p1', signInsReadable: true, signInsExamined: 12, from: '2026-11-20T08:00:00Z', to: '2026-11-26T08:00:00Z',
  wouldPrompt: [{ userId: 'u1', userPrincipalName: 'alex.wilber@contoso.example', signIns: 3, lastAt: null }],
  wouldFail: [], alreadySatisfied: 9,
  unregisteredAdmins: [{ id: 'u1', userPrincipalName: 'alex.wilber@contoso.example', displayName: 'Alex Wilber' }],
  unknownAdmins: 1,
};

const approval = (overrides: Partial<ApprovalCardInput> = {}): ApprovalCardInput => ({
  proposal: proposal(),
  description: describeDraft(draft, { users: { [BREAK_GLASS]: 'Emergency Access 01' }, groups: {} }),
  policy: null,
  impact: null,
  approvers: [{ id: '03fb2515-6020-4349-ac3c-8c97e15150f9', displayName: 'Megan Bowen' }, { id: 'db61bde3-64f6-4a90-962d-b6222bd742c4', displayName: 'Adele Vance' }],
  refreshUserIds: ['29:03fb2515-6020-4349-ac3c-8c97e15150f9'],
  actionable: false,
  ...overrides,
});

const done: PolicyDoneInput = {
  policyId: '5e0f2c1a-0000-4000-8000-000000000042', displayName: 'MfaBot - Require MFA for admin roles', state: 'enabledForReportingButNotEnforced',
  at: '2026-11-26T09:05:00Z', requestedBy: { id: 'b', name: 'Alan Steiner' }, approvedBy: { id: 'a', name: 'Megan Bowen' },
};

const POLICY_CARDS: readonly BrowserCard[] = [
  { name: 'status: with the report-only impact', card: () => statusCard(p2WithEligibleAdmins(), { now: NOW, impact }) },
  { name: 'approval, read-only', card: () => approvalCard(approval()), screenshot: 'approval-read-only' },
  { name: 'approval, for an approver', card: () => approvalCard(approval({ actionable: true })), screenshot: 'approval-actionable' },
  {
    name: 'approval to enforce, with impact and a refusal note',
    card: () => approvalCard(approval({
      proposal: proposal({ kind: 'enable', draft: null, policyId: done.policyId }), description: null,
      policy: { id: done.policyId, displayName: done.displayName }, impact, note: 'Only approvers can approve.',
    })),
  },
  { name: 'approval without approvers', card: () => approvalCard(approval({ approvers: [] })) },
  { name: 'policy created (report-only)', card: () => policyCreatedCard(done), screenshot: 'policy-created' },
  { name: 'policy already existed, with impact', card: () => policyCreatedCard({ ...done, alreadyExisted: true, impact }) },
  { name: 'policy enforced', card: () => policyEnforcedCard({ ...done, state: 'enabled' }), screenshot: 'policy-enforced' },
  {
    name: 'request rejected',
    card: () => proposalClosedCard(proposal({ status: 'rejected', decidedBy: { id: 'a', name: 'Megan Bowen' }, decidedAt: '2026-11-26T10:00:00Z', reason: 'Not before the change freeze ends.' })),
  },
  { name: 'request expired', card: () => proposalClosedCard(proposal({ status: 'expired' })) },
  { name: 'policy blocked', card: () => policyBlockedCard('create', [{ problem: 'No break-glass account is configured.', fix: 'Set MFABOT_BREAK_GLASS to the object ids of your emergency access accounts.' }]) },
  { name: 'refusal', card: () => refusalCard('Only approvers can approve this request.'), screenshot: 'refusal' },
  { name: 'working', card: () => workingCard('create') },
  { name: 'policy failed', card: () => policyFailedCard('create', { message: 'Graph answered 403 Forbidden.', changed: 'no', missing: 'Policy.ReadWrite.ConditionalAccess', requestId: 'r-1' }) },
  {
    name: 'audit log',
    card: () => auditCard([
      { at: '2026-11-26T09:05:00Z', actor: { id: 'a', name: 'Megan Bowen' }, action: 'policy.create', result: 'created', policyId: done.policyId, detail: 'report-only' },
      { at: '2026-11-26T09:01:00Z', actor: { id: 'b', name: 'Alan Steiner' }, action: 'policy.approve', result: 'refused', detail: 'not an approver' },
    ]),
  },
  { name: 'audit log, empty', card: () => auditCard([]) },
  {
    name: 'approval to require MFA on PIM activation',
    card: () => approvalCard(approval({
      proposal: proposal({ kind: 'pimMfa', draft: null, roleIds: [ROLE.sharePointAdministrator, ROLE.userAdministrator, ROLE.billingAdministrator] }), description: null,
      pim: [
        { roleId: ROLE.sharePointAdministrator, before: ['Justification', 'Ticketing'], after: ['Justification', 'Ticketing', 'MultiFactorAuthentication'] },
        { roleId: ROLE.userAdministrator, before: ['Justification'], after: ['Justification', 'MultiFactorAuthentication'] },
        { roleId: ROLE.billingAdministrator, before: null, after: null },
      ],
      actionable: true,
    })),
    screenshot: 'approval-pim',
  },
  {
    name: 'PIM: MFA now required on activation',
    card: () => pimResultCard({
      roles: [
        { roleId: ROLE.sharePointAdministrator, result: 'applied', enabledRules: ['Justification', 'Ticketing', 'MultiFactorAuthentication'] },
        { roleId: ROLE.userAdministrator, result: 'alreadyRequired', enabledRules: ['MultiFactorAuthentication'] },
      ],
      requestedBy: { id: 'b', name: 'Alan Steiner' }, approvedBy: { id: 'a', name: 'Megan Bowen' }, at: '2026-11-26T09:05:00Z',
    }),
    screenshot: 'pim-done',
  },
  {
    name: 'PIM: Graph refused the application path',
    card: () => pimResultCard({
      roles: [
        {
          roleId: ROLE.sharePointAdministrator, result: 'failed', enabledRules: ['Justification'],
          failure: { message: "Microsoft Graph refused to let MfaBot's app change PIM role settings (403). Microsoft documents this change for a signed-in admin only (delegated permissions); the fix is MfaBot acting as the approving admin (delegated mode). Nothing was changed.", requestId: 'r-9' },
        },
        { roleId: ROLE.userAdministrator, result: 'notDone', enabledRules: [] },
        { roleId: ROLE.billingAdministrator, result: 'skipped', enabledRules: ['Justification'] },
      ],
      requestedBy: { id: 'a', name: 'Megan Bowen' }, approvedBy: { id: 'a', name: 'Megan Bowen' }, at: '2026-11-26T09:05:00Z',
    }),
    screenshot: 'pim-refused',
  },
  { name: 'PIM request already handled', card: () => proposalClosedCard(proposal({ kind: 'pimMfa', draft: null, roleIds: [ROLE.userAdministrator], status: 'applied' })) },
  { name: 'working: PIM', card: () => workingCard('pimMfa') },
  { name: 'PIM blocked', card: () => policyBlockedCard('pimMfa', [{ problem: 'PIM needs Entra ID P2.', fix: 'Buy Entra ID P2 or Entra ID Governance.' }]) },
  { name: 'PIM failed', card: () => policyFailedCard('pimMfa', { message: 'The tenant needs Entra ID P2 or Entra ID Governance to read PIM role settings.', changed: 'no' }) },
];

export const BROWSER_CATALOGUE: readonly BrowserCard[] = [
  ...CATALOGUE.map((c) => ({ ...c, ...(SCREENSHOTS[c.name] ? { screenshot: SCREENSHOTS[c.name] } : {}) })),
  ...POLICY_CARDS,
];
