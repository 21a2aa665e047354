/**
 * Cards of the changes MfaBot makes: the approval card (actionable for approvers, read-only for
 * others), what happened (created, enforced, MFA required on PIM activation, rejected, expired,
 * refused, blocked), the audit log and the report-only impact section the status card can include. Pure functions of their inputs; names from
 * the tenant and from Teams go into TextRuns (no markdown) except the @mentions, which are cleaned.
 */
import { STATUS_WORDS, type Blocker, type Person, type Proposal, type ProposalKind } from '../domain/approval';
import type { AuditEntry } from '../domain/audit';
import type { EnforcementAftermath, StuckAdmin } from '../domain/aftermath';
import type { ImpactSummary, ImpactUser } from '../domain/impact';
import type { DraftDescription } from '../domain/policyDraft';
import { roleInfo } from '../domain/roles';
import { card, execute, fitCard, heading, joinCapped, literal, para, plural, run, text, truncate } from './elements';
import type { ActionOpenUrl, AdaptiveCard, CardAction, CardElement, Container, InputText, Mention, TextRun } from './types';
import { VERBS } from './verbs';

/** Id of the rejection reason input on the approval card. */
export const REASON_INPUT_ID = 'reason';

/** Data key that marks an invoke as a refresh (render only, never a decision). */
export const REFRESH_FLAG = 'refresh';

const CAP = { name: 80, line: 600, detail: 400, list: 800, people: 10, audit: 20 } as const;

/** The policy in the Entra admin center. */
export function entraPolicyUrl(policyId: string): string {
  return `https://entra.microsoft.com/#view/Microsoft_AAD_ConditionalAccess/PolicyBlade/policyId/${encodeURIComponent(policyId)}`;
}

/** "2025-11-26 06:05 UTC". */
export function utc(iso: string | null | undefined): string {
  const ms = Date.parse(iso ?? '');
  if (Number.isNaN(ms)) return 'unknown time';
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A name safe inside `<at>…</at>` in a TextBlock: no markup or markdown characters. */
export function mentionName(name: string): string {
  const clean = name.replace(/[<>[\]()*_~`#|\\{}!]/g, ' ').replace(/\s+/g, ' ').trim();
  return truncate(clean || 'approver', 60);
}

function labelled(label: string, value: string, opts: { color?: TextRun['color'] } = {}): CardElement {
  return para([run(`${label}: `, { weight: 'bolder' }), run(truncate(value, CAP.line), opts.color ? { color: opts.color } : {})], { spacing: 'small' });
}

function person(p: Person | undefined): string {
  return p ? truncate(p.name || p.id, CAP.name) : 'unknown';
}

/** What a request asks for, after "Approval needed: " and "the request to". */
const CHANGE_WORDS: Readonly<Record<ProposalKind, string>> = {
  create: 'create the admin-MFA Conditional Access policy (report-only)',
  enable: 'enforce the admin-MFA Conditional Access policy',
  pimMfa: 'require MFA on PIM activation of admin roles',
};

const roleName = (roleId: string): string => truncate(roleInfo(roleId).displayName, CAP.name);
const ruleWords = (rules: readonly string[] | null): string => (rules === null ? 'unknown' : rules.length > 0 ? rules.join(', ') : 'nothing');

export interface ApprovalCardInput {
  proposal: Proposal;
  description: DraftDescription | null;
  policy: { id: string; displayName: string } | null;
  impact: ImpactSummary | null;
  approvers: { id: string; displayName: string }[];
  /** Teams user ids (29:…) of approvers, for Universal Actions refresh. */
  refreshUserIds: string[];
  /** Approvers see Approve/Reject; everyone else a read-only card. */
  actionable: boolean;
  /** A line shown in attention colour, e.g. a personal refusal. */
  note?: string;
  /** pimMfa: per role, what activation asks for now and after the change. */
  pim?: { roleId: string; before: string[] | null; after: string[] | null }[] | null;
}

/**
 * The approval card. It carries only the proposal id; `refresh` (verb policy.approve with the refresh
 * flag) lets each approver's client fetch the actionable version while others keep the read-only one.
 */
export function approvalCard(input: ApprovalCardInput): AdaptiveCard {
  const { proposal } = input;
  const what = CHANGE_WORDS[proposal.kind];
  const approvers = input.approvers.slice(0, CAP.people);
  const mentions: Mention[] = approvers.map((a) => ({
    type: 'mention',
    text: `<at>${mentionName(a.displayName)}</at>`,
    mentioned: { id: a.id, name: mentionName(a.displayName) },
  }));
  const body: CardElement[] = [
    text(`Approval needed: ${what}`, { size: 'medium', weight: 'bolder' }),
    para([
      run('Requested by '),
      run(person(proposal.requestedBy), { weight: 'bolder' }),
      run(` · ${utc(proposal.createdAt)} · expires ${utc(proposal.expiresAt)}`, { isSubtle: true }),
    ], { spacing: 'none' }),
  ];
  if (mentions.length > 0) {
    body.push(text(`${mentions.map((m) => m.text).join(', ')}: ${mentions.length === 1 ? 'you are' : 'one of you is'} asked to approve or reject.`));
  } else {
    body.push(text('No approver is configured (MFABOT_APPROVERS or MFABOT_APPROVER_GROUP), so nobody can approve this.', { color: 'attention' }));
  }
  body.push(...(input.description ? draftFacts(input.description) : []));
  if (input.policy) {
    body.push(heading('What will change'));
    body.push(labelled('Policy', `${input.policy.displayName} (${input.policy.id})`));
    body.push(labelled('State', 'Report-only → On (enforced): admins in scope must use MFA at every sign-in'));
  }
  if (proposal.kind === 'pimMfa') body.push(...pimChangeFacts(proposal, input.pim ?? null));
  if (input.impact) body.push(...impactSection(input.impact));
  if (proposal.lastError) body.push(labelled('Last attempt failed', proposal.lastError, { color: 'attention' }));
  if (input.note) body.push(literal(truncate(input.note, CAP.detail), { color: 'attention', weight: 'bolder' }));

  const refresh = execute(VERBS.policyApprove, 'Refresh', { data: { proposalId: proposal.id, [REFRESH_FLAG]: true }, associatedInputs: 'none' });
  const actions = decisionActions(proposal, input.actionable, body);
  const out = card(body, actions);
  out.refresh = { action: refresh, userIds: input.refreshUserIds.slice(0, 60) };
  out.msteams = { width: 'Full', ...(mentions.length > 0 ? { entities: mentions } : {}) };
  out.fallbackText = `Approval needed: ${what}.`;
  return out;
}

/** Approve and Reject (with the reason box) for approvers; everyone else a button to ask for them. */
function decisionActions(proposal: Proposal, actionable: boolean, body: CardElement[]): CardAction[] {
  if (!actionable) {
    body.push(text('Only approvers can approve or reject; they see the buttons on this card.', { isSubtle: true, spacing: 'medium' }));
    return [execute(VERBS.policyApprove, 'I am an approver: show the buttons', { data: { proposalId: proposal.id, [REFRESH_FLAG]: true }, associatedInputs: 'none' })];
  }
  const reason: InputText = {
    type: 'Input.Text',
    id: REASON_INPUT_ID,
    label: 'Reason (for Reject)',
    placeholder: 'Why not? (shown to the requester and kept in the audit log)',
    isMultiline: true,
    maxLength: 500,
  };
  body.push(reason);
  return [
    execute(VERBS.policyApprove, proposal.kind === 'create' ? 'Approve and create' : proposal.kind === 'enable' ? 'Approve and enforce' : 'Approve and require MFA', {
      data: { proposalId: proposal.id }, style: 'positive', associatedInputs: 'none',
    }),
    execute(VERBS.policyReject, 'Reject', { data: { proposalId: proposal.id }, style: 'destructive', associatedInputs: 'auto' }),
  ];
}

/** Which roles, and what their activation asks for now and after the change. */
function pimChangeFacts(proposal: Proposal, pim: NonNullable<ApprovalCardInput['pim']> | null): CardElement[] {
  const roles = pim ?? (proposal.roleIds ?? []).map((roleId) => ({ roleId, before: null, after: null }));
  const items: CardElement[] = [heading(`What will change (${plural(roles.length, 'role')})`)];
  for (const r of roles.slice(0, 20)) {
    items.push(para([
      run(`${roleName(r.roleId)}: `, { weight: 'bolder' }),
      run(`on activation require ${ruleWords(r.after ?? (r.before ? [...r.before, 'MultiFactorAuthentication'] : null))}`),
      run(` (now: ${ruleWords(r.before)})`, { isSubtle: true }),
    ], { spacing: 'small' }));
  }
  if (roles.length > 20) items.push(text(`and ${roles.length - 20} more`, { isSubtle: true }));
  items.push(text('Every future activation of these roles in PIM asks for Azure MFA. The other role settings (justification, ticketing, approval, duration, notifications) stay as they are. MfaBot reads each role\'s settings again before changing it.', { spacing: 'small' }));
  return items;
}

function draftFacts(d: DraftDescription): CardElement[] {
  return [
    heading('What will be created'),
    labelled('Name', d.displayName),
    labelled('State', d.state),
    labelled(`Admin roles (${d.roles.length})`, joinCapped(d.roles, 30, CAP.list)),
    labelled('Cloud apps', d.applications),
    labelled('Client apps', d.clientApps),
    labelled('Grant', d.grant),
    labelled('Excluded users (break-glass)', d.excludedUsers.length > 0 ? joinCapped(d.excludedUsers, 10, CAP.list) : 'none'),
    labelled('Excluded groups', d.excludedGroups.length > 0 ? joinCapped(d.excludedGroups, 5, CAP.list) : 'none'),
  ];
}

export interface PolicyDoneInput {
  policyId: string;
  displayName: string;
  state: string;
  /** ISO time of the change. */
  at: string;
  requestedBy: Person;
  approvedBy: Person;
  /** True when the policy already existed and nothing was created now. */
  alreadyExisted?: boolean;
  impact?: ImpactSummary | null;
}

/** The policy was created report-only (or already existed): who, when, the link and what comes next. */
export function policyCreatedCard(input: PolicyDoneInput): AdaptiveCard {
  const reportOnly = input.state !== 'enabled';
  const title = input.alreadyExisted
    ? 'MfaBot\'s Conditional Access policy already exists: nothing new was created'
    : 'Created: Conditional Access policy requiring MFA for admin roles (report-only)';
  const body: CardElement[] = [
    text(title, { size: 'medium', weight: 'bolder', color: 'good' }),
    labelled('Policy', input.displayName),
    labelled('Policy id', input.policyId),
    labelled('State', reportOnly ? 'Report-only' : 'On (enforced)'),
    labelled(input.alreadyExisted ? 'Recorded' : 'Created', utc(input.at)),
    labelled('Requested by', person(input.requestedBy)),
    labelled('Approved by', person(input.approvedBy)),
    heading('What happens next'),
    text(reportOnly
      ? 'Report-only logs what the policy would do at every admin sign-in without enforcing it. Let it run for a few days, check the impact below (or with "status"), make sure every admin has registered MFA, then click Enforce.'
      : 'The policy is enforced: admins in scope must use MFA at every sign-in.'),
  ];
  if (input.impact) body.push(...impactSection(input.impact));
  const actions: CardAction[] = [openInEntra(input.policyId)];
  if (reportOnly) actions.unshift(execute(VERBS.policyEnable, 'Enforce (turn on)', { style: 'destructive', associatedInputs: 'none' }));
  return card(body, actions);
}

/** The policy is now enforced. */
export function policyEnforcedCard(input: PolicyDoneInput): AdaptiveCard {
  const title = input.alreadyExisted ? 'The policy was already enforced: nothing was changed' : 'Enforced: admins must now use MFA';
  return card([
    text(title, { size: 'medium', weight: 'bolder', color: 'good' }),
    labelled('Policy', input.displayName),
    labelled('Policy id', input.policyId),
    labelled('State', 'On (enforced)'),
    labelled(input.alreadyExisted ? 'Checked' : 'Enforced', utc(input.at)),
    labelled('Requested by', person(input.requestedBy)),
    labelled('Approved by', person(input.approvedBy)),
    heading('What happens next'),
    text('Every admin in scope is asked for MFA at sign-in; admins without a method must register one first. The break-glass accounts stay excluded. Type "status" to see coverage.'),
  ], [openInEntra(input.policyId)]);
}

function openInEntra(policyId: string): ActionOpenUrl {
  return { type: 'Action.OpenUrl', title: 'Open in Entra admin center', url: entraPolicyUrl(policyId) };
}

/** A proposal that was rejected, expired or already decided: read-only, for everyone. */
export function proposalClosedCard(proposal: Proposal): AdaptiveCard {
  const what = CHANGE_WORDS[proposal.kind];
  const body: CardElement[] = [];
  switch (proposal.status) {
    case 'rejected':
      body.push(text(`Rejected: the request to ${what}`, { size: 'medium', weight: 'bolder', color: 'attention' }));
      body.push(labelled('Rejected by', `${person(proposal.decidedBy)} · ${utc(proposal.decidedAt)}`));
      body.push(labelled('Reason', proposal.reason || 'none given'));
      break;
    case 'expired':
      body.push(text(`Expired: the request to ${what}`, { size: 'medium', weight: 'bolder', color: 'warning' }));
      body.push(labelled('Expired', utc(proposal.expiresAt)));
      body.push(text('Nothing was changed. Click the button on a fresh status card ("status") to ask again.'));
      break;
    default:
      body.push(text(`This request was already handled: ${STATUS_WORDS[proposal.status]}`, { size: 'medium', weight: 'bolder' }));
      if (proposal.decidedBy) body.push(labelled('Decided by', `${person(proposal.decidedBy)} · ${utc(proposal.decidedAt)}`));
  }
  body.push(labelled('Requested by', `${person(proposal.requestedBy)} · ${utc(proposal.createdAt)}`));
  return card(body);
}

/** Why MfaBot will not create or enforce the policy now, and exactly what to fix. */
export function policyBlockedCard(action: ProposalKind, blockers: readonly Blocker[]): AdaptiveCard {
  const title = action === 'create' ? 'MfaBot did not create the policy' : action === 'enable' ? 'MfaBot did not enforce the policy' : 'MfaBot did not change the PIM role settings';
  const body: CardElement[] = [
    text(title, { size: 'medium', weight: 'bolder', color: 'attention' }),
    text('Nothing was changed.', { spacing: 'none' }),
  ];
  for (const b of blockers.slice(0, 10)) {
    const box: Container = {
      type: 'Container',
      spacing: 'medium',
      items: [literal(truncate(b.problem, CAP.line), { weight: 'bolder' }), para([run('Fix: ', { weight: 'bolder' }), run(truncate(b.fix, CAP.line))])],
    };
    body.push(box);
  }
  return card(body);
}

/** A personal refusal: only approvers can do this. Shown to the clicker alone. */
export function refusalCard(reason: string): AdaptiveCard {
  return card([
    text('Not allowed', { size: 'medium', weight: 'bolder', color: 'attention' }),
    literal(truncate(reason, CAP.detail)),
    text('Nothing was changed. This attempt was recorded in the audit log.', { isSubtle: true }),
  ]);
}

/** Shown while the work continues after the invoke was answered. */
export function workingCard(action: ProposalKind): AdaptiveCard {
  const title = action === 'create' ? 'Creating the Conditional Access policy…' : action === 'enable' ? 'Enforcing the Conditional Access policy…' : 'Requiring MFA on PIM activation…';
  return card([
    text(title, { size: 'medium', weight: 'bolder' }),
    text('This card updates when Microsoft Graph has answered.', { isSubtle: true }),
  ]);
}

/** A Graph write that failed: what happened and whether anything changed. */
export function policyFailedCard(action: ProposalKind, failure: { message: string; changed: 'no' | 'unknown'; missing?: string; requestId?: string }): AdaptiveCard {
  const title = action === 'create' ? 'Creating the policy failed' : action === 'enable' ? 'Enforcing the policy failed' : 'Requiring MFA on PIM activation failed';
  const body: CardElement[] = [
    text(title, { size: 'medium', weight: 'bolder', color: 'attention' }),
    literal(truncate(failure.message, 1_500)),
  ];
  if (failure.missing) {
    body.push(para([
      run('What to do: ', { weight: 'bolder' }),
      run(`grant MfaBot's app ${failure.missing} (Entra ID > App registrations > MfaBot > API permissions), grant admin consent, then try again.`),
    ], { spacing: 'medium' }));
  }
  if (failure.requestId) body.push(literal(`Request id: ${truncate(failure.requestId, 100)}`, { isSubtle: true, size: 'small' }));
  return card(body);
}

export interface PimResultCardInput {
  roles: ReadonlyArray<{ roleId: string; result: 'applied' | 'alreadyRequired' | 'skipped' | 'notDone' | 'failed'; enabledRules: string[]; failure?: { message: string; missing?: string; requestId?: string } }>;
  requestedBy: Person;
  approvedBy: Person;
  /** ISO time of the change. */
  at: string;
}

const PIM_RESULT_WORDS: Readonly<Record<PimResultCardInput['roles'][number]['result'], string>> = {
  applied: 'activation now requires',
  alreadyRequired: 'already required MFA; activation requires',
  skipped: 'not changed: it now requires an authentication context instead; activation requires',
  notDone: 'not changed',
  failed: 'not changed',
};

/** What came of "Require MFA on activation": per role, changed or not and why; the first failure in full. */
export function pimResultCard(input: PimResultCardInput): AdaptiveCard {
  const changed = input.roles.filter((r) => r.result === 'applied').length;
  const complete = input.roles.every((r) => r.result === 'applied' || r.result === 'alreadyRequired');
  const title = complete
    ? `Done: activating ${plural(input.roles.length, 'admin role')} in PIM now demands MFA`
    : changed > 0 ? `Partly done: MFA required on activation of ${plural(changed, 'role')}, not of the others` : 'MfaBot did not change the PIM role settings';
  const body: CardElement[] = [text(title, { size: 'medium', weight: 'bolder', color: complete ? 'good' : 'attention' })];
  for (const r of input.roles.slice(0, 20)) {
    const rest = r.result === 'notDone' || r.result === 'failed' ? '' : ` ${ruleWords(r.enabledRules)}`;
    body.push(para([run(`${roleName(r.roleId)}: `, { weight: 'bolder' }), run(`${PIM_RESULT_WORDS[r.result]}${rest}`, r.result === 'failed' ? { color: 'attention' } : {})], { spacing: 'small' }));
  }
  if (input.roles.length > 20) body.push(text(`and ${input.roles.length - 20} more`, { isSubtle: true }));
  body.push(labelled('Requested by', person(input.requestedBy)), labelled('Approved by', `${person(input.approvedBy)} · ${utc(input.at)}`));
  const failure = input.roles.find((r) => r.failure)?.failure;
  if (failure) {
    body.push(literal(truncate(failure.message, 1_500), { color: 'attention' }));
    if (failure.requestId) body.push(literal(`Request id: ${truncate(failure.requestId, 100)}`, { isSubtle: true, size: 'small' }));
  }
  body.push(text(complete ? 'Eligible admins of these roles now prove it is them with MFA each time they activate. Type "status" to see every role.' : 'Clicking again changes only the roles still lacking MFA.', { isSubtle: true }));
  return card(body);
}

export type AuditCardEntry = AuditEntry;

/** How much of each audit entry one rendering shows; `fitCard` walks these from large to small. */
const AUDIT_LADDER = [
  { entries: CAP.audit, name: CAP.name, detail: 300 },
  { entries: CAP.audit, name: 40, detail: 120 },
  { entries: CAP.audit, name: 24, detail: 50 },
  { entries: 10, name: 24, detail: 40 },
] as const;

/** The last audit entries (at most 20), newest first; always under the card size limit. */
export function auditCard(entries: readonly AuditCardEntry[]): AdaptiveCard {
  return fitCard((limits: (typeof AUDIT_LADDER)[number]) => {
    const shown = entries.slice(0, limits.entries);
    const body: CardElement[] = [text(`Audit log: the last ${plural(shown.length, 'entry', 'entries')}`, { size: 'medium', weight: 'bolder' })];
    if (entries.length === 0) body.push(text('Nothing has been recorded yet.'));
    for (const e of shown) {
      const color = e.result === 'refused' || e.result === 'failed' || e.result === 'unknown' || e.result === 'partial' ? 'attention'
        : e.result === 'created' || e.result === 'enforced' || e.result === 'applied' ? 'good' : 'default';
      body.push(para([
        run(`${utc(e.at)} · `, { isSubtle: true }),
        run(truncate(e.actor.name || e.actor.id, limits.name), { weight: 'bolder' }),
        run(` · ${truncate(e.action, 40)} · `),
        run(truncate(e.result, 20), { color, weight: 'bolder' }),
        run(` · ${truncate(e.detail, limits.detail)}`),
        ...(e.policyId ? [run(` · policy ${truncate(e.policyId, 40)}`, { isSubtle: true })] : []),
      ], { spacing: 'small', separator: true }));
    }
    return card(body);
  }, AUDIT_LADDER);
}

function users(list: readonly ImpactUser[]): string {
  return joinCapped(list.map((u) => `${u.userPrincipalName} (${plural(u.signIns, 'sign-in')})`), 10, CAP.list);
}

/**
 * "If enforced": the report-only results from the sign-in logs and the admins who would have to
 * register. For the status card, the created card and the enforce approval card.
 */
export function impactSection(impact: ImpactSummary): CardElement[] {
  const items: CardElement[] = [heading('If enforced (from report-only sign-ins)')];
  if (!impact.signInsReadable) {
    items.push(literal(truncate(impact.unavailable?.message ?? 'The sign-in logs could not be read.', CAP.detail), { color: 'warning' }));
  } else if (impact.signInsExamined === 0) {
    items.push(text('No admin sign-in has been evaluated by the policy yet. Give report-only a few days.', { isSubtle: true }));
  } else {
    items.push(text(`${plural(impact.signInsExamined, 'admin sign-in')} evaluated between ${utc(impact.from)} and ${utc(impact.to)}.`, { spacing: 'none' }));
    items.push(labelled('Would have been prompted for MFA', impact.wouldPrompt.length > 0 ? users(impact.wouldPrompt) : 'nobody',
      impact.wouldPrompt.length > 0 ? { color: 'warning' } : {}));
    if (impact.wouldFail.length > 0) items.push(labelled('Could not have satisfied it', users(impact.wouldFail), { color: 'attention' }));
    items.push(labelled('Already satisfied MFA', plural(impact.alreadySatisfied, 'sign-in')));
  }
  if (impact.unregisteredAdmins.length > 0) {
    items.push(labelled('Not registered: forced to register MFA at next sign-in',
      joinCapped(impact.unregisteredAdmins.map((a) => `${a.displayName} (${a.userPrincipalName})`), 10, CAP.list), { color: 'attention' }));
  } else if (impact.unknownAdmins === null) {
    items.push(text('Registration state of admins is not available.', { isSubtle: true }));
  } else {
    items.push(labelled('Not registered', 'none: every admin has an MFA method'));
  }
  if (impact.unknownAdmins) items.push(text(`${plural(impact.unknownAdmins, 'admin')} with unknown registration state.`, { isSubtle: true }));
  return items;
}

/**
 * "Since enforcing": the admins MfaBot's policy stopped at sign-in (MFA or registration required),
 * those still stuck first, and those who have since signed in with MFA. For the status card and the
 * digest, for the days after enforcement; `maxNames` caps each list.
 */
export function aftermathSection(aftermath: EnforcementAftermath, maxNames: number): CardElement[] {
  const items: CardElement[] = [heading(`Since the policy was enforced (${utc(aftermath.enforcedAt)})`)];
  if (!aftermath.readable) {
    items.push(literal(truncate(aftermath.unavailable?.message ?? 'The sign-in logs could not be read.', CAP.detail), { color: 'warning' }));
    return items;
  }
  const stuck = aftermath.admins.filter((a) => !a.through);
  const through = aftermath.admins.filter((a) => a.through);
  if (aftermath.admins.length === 0) {
    items.push(text('No admin sign-in has been stopped by the policy so far.', { color: 'good', spacing: 'none' }));
    return items;
  }
  const name = (a: StuckAdmin): string => `${truncate(a.displayName || a.userPrincipalName, CAP.name)}${a.mustRegister && !a.through ? ' (had no method: must register)' : ''}`;
  const names = (list: readonly StuckAdmin[]): string => joinCapped(list.map(name), Math.max(1, maxNames), CAP.list);
  if (stuck.length > 0) {
    items.push(labelled(`Stopped at sign-in, not through yet (${stuck.length})`, names(stuck), { color: 'attention' }));
    items.push(text('They cannot use their admin roles until they sign in with MFA. Nudge them from the picker below.', { isSubtle: true, spacing: 'none' }));
  }
  if (through.length > 0) items.push(labelled(`Stopped, then signed in with MFA (${through.length})`, names(through), { color: 'good' }));
  return items;
}
