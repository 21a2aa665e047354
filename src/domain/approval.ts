/**
 * Who may do what with MfaBot's policy, and the life of a proposal: pure rules with time passed in.
 * Whether someone is an approver is decided by the caller (config ids, group membership via Graph)
 * and handed in as a fact; these rules never trust anything a card carries.
 */
import type { PolicyDraft } from './policyDraft';

/** Someone in Teams, by Entra object id (`from.aadObjectId`) and the name Teams showed. */
export interface Person {
  id: string;
  name: string;
}

/**
 * The changes MfaBot makes, each through the same approval path: create its Conditional Access
 * policy, enforce it, and require MFA on PIM activation of admin roles.
 */
export type ProposalKind = 'create' | 'enable' | 'pimMfa';

export type ProposalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'created' | 'enforced' | 'applied';

/** A request awaiting an approver, stored server-side; cards carry only its id. */
export interface Proposal {
  id: string;
  kind: ProposalKind;
  status: ProposalStatus;
  requestedBy: Person;
  /** ISO times. */
  createdAt: string;
  expiresAt: string;
  /** Exactly what the approval card showed (create), or the policy to enforce (enable). */
  draft: PolicyDraft | null;
  policyId: string | null;
  /** pimMfa: the roles MfaBot found lacking MFA on activation when the request was made (never from a card). */
  roleIds?: string[];
  decidedBy?: Person;
  decidedAt?: string;
  /** Rejection reason, as typed. */
  reason?: string;
  /** Last failure when carrying it out, so the card can say what went wrong. */
  lastError?: string;
  /** Where the approval card was posted (to update it later), and the approvers' Teams ids it refreshes for. */
  card?: { conversationId: string; activityId: string | null; refreshUserIds?: string[] };
}

export const DEFAULT_PROPOSAL_TTL_MS = 24 * 60 * 60 * 1000;

/** Longest rejection reason kept. */
export const MAX_REASON_CHARS = 500;

export type Action = ProposalKind | 'approve' | 'reject' | 'audit';

export const ACTION_WORDS: Readonly<Record<Action, string>> = {
  create: 'create the Conditional Access policy',
  enable: 'enforce the Conditional Access policy',
  pimMfa: 'require MFA on PIM activation of admin roles',
  approve: 'approve',
  reject: 'reject',
  audit: 'see the audit log',
};

export type Decision = { allowed: true } | { allowed: false; reason: string };

export interface ApprovalRules {
  /** When true, the approver of a proposal must not be the person who asked for it. */
  twoPersonRule: boolean;
}

/** Only approvers may create, enforce, approve, reject or read the audit log. */
export function mayAct(action: Action, isApprover: boolean): Decision {
  if (isApprover) return { allowed: true };
  return { allowed: false, reason: `Only approvers can ${ACTION_WORDS[action]}.` };
}

/**
 * What an approver's click on "Create" or "Enforce" means: with the two-person rule a click cannot
 * approve its own request, so it only proposes; otherwise the click is the approval.
 */
export function clickIsApproval(isApprover: boolean, rules: ApprovalRules): boolean {
  return isApprover && !rules.twoPersonRule;
}

export function isExpired(proposal: Pick<Proposal, 'expiresAt'>, now: Date): boolean {
  return Date.parse(proposal.expiresAt) <= now.getTime();
}

/** The status to show: a pending proposal past its expiry is expired, whatever is stored. */
export function effectiveStatus(proposal: Pick<Proposal, 'status' | 'expiresAt'>, now: Date): ProposalStatus {
  return proposal.status === 'pending' && isExpired(proposal, now) ? 'expired' : proposal.status;
}

/** Whether `actor` may approve or reject `proposal` now. */
export function mayDecide(
  decision: 'approve' | 'reject',
  proposal: Pick<Proposal, 'status' | 'expiresAt' | 'requestedBy'>,
  actor: Person,
  isApprover: boolean,
  rules: ApprovalRules,
  now: Date,
): Decision {
  const role = mayAct(decision, isApprover);
  if (!role.allowed) return role;
  const status = effectiveStatus(proposal, now);
  if (status !== 'pending') return { allowed: false, reason: `This request is already ${STATUS_WORDS[status]}.` };
  if (decision === 'approve' && rules.twoPersonRule && sameId(actor.id, proposal.requestedBy.id)) {
    return { allowed: false, reason: 'The two-person rule is on: another approver must approve a request you made.' };
  }
  return { allowed: true };
}

export const STATUS_WORDS: Readonly<Record<ProposalStatus, string>> = {
  pending: 'waiting for an approver',
  approved: 'approved',
  rejected: 'rejected',
  expired: 'expired',
  created: 'done: the policy was created',
  enforced: 'done: the policy is enforced',
  applied: 'done: activating the roles now demands MFA',
};

/** Creation and expiry times of a new proposal. */
export function proposalTimes(now: Date, ttlMs: number = DEFAULT_PROPOSAL_TTL_MS): { createdAt: string; expiresAt: string } {
  return { createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + ttlMs).toISOString() };
}

/** A typed rejection reason, cleaned: control characters out, whitespace collapsed, length capped. */
export function cleanReason(value: unknown): string {
  if (typeof value !== 'string') return '';
  // eslint-disable-next-line no-control-regex
  const flat = value.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim();
  return Array.from(flat).slice(0, MAX_REASON_CHARS).join('');
}

export function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** Whether someone is an approver, from the configured ids and (when configured) group membership. */
export function isConfiguredApprover(userId: string, approverIds: readonly string[], approverGroupMemberIds: readonly string[] = []): boolean {
  if (!userId) return false;
  return approverIds.some((id) => sameId(id, userId)) || approverGroupMemberIds.some((id) => sameId(id, userId));
}

/** Facts about the tenant that decide whether MfaBot may create its policy at all. */
export interface CreateFacts {
  licence: 'free' | 'p1' | 'p2' | null;
  securityDefaultsEnabled: boolean | null;
  breakGlass: BreakGlassCheck[];
  /** Set when an authentication strength is configured. */
  strength?: { id: string; found: boolean; requiresMfa: boolean; name: string | null } | null;
}

/** What the tenant says about one configured break-glass id. */
export interface BreakGlassCheck {
  id: string;
  kind: 'user' | 'group' | 'servicePrincipal' | 'missing';
  displayName: string | null;
  userPrincipalName?: string | null;
  accountEnabled: boolean | null;
}

/** One reason the policy cannot be created, with what to do about it. */
export interface Blocker {
  problem: string;
  fix: string;
}

/**
 * Everything that must hold before MfaBot creates (or enforces) its policy. Empty means go ahead.
 * Each blocker says exactly what to fix.
 */
export function createBlockers(facts: CreateFacts): Blocker[] {
  const blockers: Blocker[] = [];
  if (facts.licence === 'free') {
    blockers.push({
      problem: 'Conditional Access needs Microsoft Entra ID P1 or P2, and this tenant has neither.',
      fix: 'Turn on security defaults (free): they require MFA for admin roles. Or buy Entra ID P1 and try again.',
    });
  } else if (facts.licence === null) {
    blockers.push({ problem: 'The tenant\'s licence could not be read, so it is not known whether Conditional Access is available.', fix: 'Grant MfaBot Organization.Read.All and try again.' });
  }
  if (facts.securityDefaultsEnabled === true) {
    blockers.push({
      problem: 'Security defaults are on. They already require MFA for admins, and Conditional Access policies cannot be used while they are on.',
      fix: 'To use Conditional Access instead, turn security defaults off in the Entra admin center (Identity > Overview > Properties > Manage security defaults), then try again. Until the policy is enforced, admins then lose the MFA that security defaults gave them.',
    });
  } else if (facts.securityDefaultsEnabled === null) {
    blockers.push({ problem: 'Whether security defaults are on could not be read.', fix: 'Grant MfaBot Policy.Read.All and try again.' });
  }
  if (facts.breakGlass.length === 0) {
    blockers.push({
      problem: 'No break-glass (emergency access) account is configured: a policy for admin roles could lock every admin out.',
      fix: 'Set MFABOT_BREAK_GLASS to the Entra object id of at least one cloud-only emergency access account, and restart MfaBot.',
    });
  }
  for (const account of facts.breakGlass) {
    if (account.kind === 'missing') {
      blockers.push({ problem: `The break-glass account ${account.id} does not exist in this tenant.`, fix: `Correct MFABOT_BREAK_GLASS: ${account.id} is not a user here.` });
    } else if (account.kind !== 'user') {
      const what = account.kind === 'group' ? 'a group' : 'a service principal';
      blockers.push({
        problem: `The break-glass id ${account.id}${account.displayName ? ` (${account.displayName})` : ''} is ${what}, not a user.`,
        fix: 'MFABOT_BREAK_GLASS must list user accounts; put the emergency access user\'s own id there.',
      });
    } else if (account.accountEnabled !== true) {
      const name = account.displayName ?? account.id;
      blockers.push({
        problem: account.accountEnabled === false
          ? `The break-glass account ${name} is disabled, so it could not be used in an emergency.`
          : `Whether the break-glass account ${name} is enabled could not be read.`,
        fix: account.accountEnabled === false ? `Enable ${name} in Entra ID (or configure another break-glass account), then try again.` : 'Grant MfaBot User.Read.All and try again.',
      });
    }
  }
  if (facts.strength) {
    if (!facts.strength.found) {
      blockers.push({ problem: `The authentication strength ${facts.strength.id} does not exist in this tenant.`, fix: 'Correct MFABOT_POLICY_STRENGTH_ID or remove it to require plain MFA.' });
    } else if (!facts.strength.requiresMfa) {
      blockers.push({ problem: `The authentication strength "${facts.strength.name ?? facts.strength.id}" does not require MFA.`, fix: 'Choose a strength that requires MFA (for example phishing-resistant MFA) in MFABOT_POLICY_STRENGTH_ID.' });
    }
  }
  return blockers;
}
