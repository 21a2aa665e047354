/**
 * What a click on a policy button can come to, how a failed Graph write is told, and the audit log's
 * words for each outcome.
 */
import type { ConditionalAccessPolicy } from '@microsoft/microsoft-graph-types';
import type { Action, Blocker, Person, Proposal, ProposalKind } from '../domain/approval';
import type { GraphFailure } from '../graph/errors';
import type { PolicyRecord } from '../store/proposals';

/** How a failed Graph write is described: whether anything changed is said only when it is known. */
export interface WriteFailure {
  message: string;
  /** 'no' when Graph guarantees nothing happened; 'unknown' after a 5xx, a timeout or a network error. */
  changed: 'no' | 'unknown';
  missing?: string;
  graphMessage?: string;
  requestId?: string;
}

/** Who Graph saw making a change: MfaBot's app, or the approver with their own identity. */
export type ChangedAs = 'application' | 'approver';

/** What happened to one role's activation rule when MfaBot required MFA on activation. */
export interface PimRoleResult {
  roleId: string;
  policyId: string;
  /**
   * applied: MfaBot added MFA; alreadyRequired: it was there when MfaBot looked again; skipped: an
   * authentication context is required instead now; notDone: MfaBot stopped before this role
   * (an earlier one failed in a way that would fail it too); failed: Graph refused or did not answer.
   */
  result: 'applied' | 'alreadyRequired' | 'skipped' | 'notDone' | 'failed';
  /** What the activation rule asks for after the change (or as found). */
  enabledRules: string[];
  failure?: WriteFailure;
}

export type Outcome =
  | { kind: 'created'; record: PolicyRecord; approvedBy: Person; proposal?: Proposal; as?: ChangedAs }
  | { kind: 'exists'; policy: ConditionalAccessPolicy; record?: PolicyRecord; proposal?: Proposal }
  | { kind: 'enforced'; record: PolicyRecord; requestedBy: Person; approvedBy: Person; proposal?: Proposal; as?: ChangedAs }
  | { kind: 'alreadyEnforced'; policy: ConditionalAccessPolicy; record?: PolicyRecord; proposal?: Proposal }
  | { kind: 'noPolicy' }
  | { kind: 'proposed'; proposal: Proposal; isNew: boolean }
  | { kind: 'rejected'; proposal: Proposal }
  | { kind: 'expired'; proposal: Proposal }
  | { kind: 'closed'; proposal: Proposal }
  | { kind: 'unknownProposal' }
  | { kind: 'refused'; action: Action; reason: string; proposal?: Proposal }
  | { kind: 'pimApplied'; roles: PimRoleResult[]; requestedBy: Person; approvedBy: Person; proposal?: Proposal; as?: ChangedAs }
  /** Nothing to change: activating every role in scope (of those asked about) already demands MFA. */
  | { kind: 'pimUpToDate'; proposal?: Proposal }
  | { kind: 'blocked'; action: ProposalKind; blockers: Blocker[]; proposal?: Proposal }
  | { kind: 'busy' }
  /** The change is to be made with the approver's own identity, and Teams has not signed them in yet. */
  | { kind: 'signInRequired'; action: ProposalKind; reason: string }
  | { kind: 'failed'; action: ProposalKind; failure: WriteFailure; proposal?: Proposal };

/** Whether every role of a PIM change ended with MFA required on activation. */
export function pimComplete(roles: readonly PimRoleResult[]): boolean {
  return roles.every((r) => r.result === 'applied' || r.result === 'alreadyRequired');
}

/** The policy an outcome is about, if any. */
export function policyIdOf(outcome: Outcome): string | undefined {
  switch (outcome.kind) {
    case 'created':
    case 'enforced':
      return outcome.record.policyId || undefined;
    case 'exists':
    case 'alreadyEnforced':
      return outcome.policy.id ?? undefined;
    case 'proposed':
      return outcome.proposal.policyId ?? undefined;
    default:
      return undefined;
  }
}

/** The audit result and a one-line detail for an outcome. */
export function describeOutcome(outcome: Outcome): { result: string; detail: string } {
  switch (outcome.kind) {
    case 'created':
      return { result: 'created', detail: `created "${outcome.record.displayName}" report-only; requested by ${outcome.record.requestedBy.name}, approved by ${outcome.approvedBy.name}${asWords(outcome.as, outcome.approvedBy)}` };
    case 'exists':
      return { result: 'exists', detail: `MfaBot's policy already exists (${outcome.policy.state ?? 'unknown state'}); nothing was created` };
    case 'enforced':
      return { result: 'enforced', detail: `switched "${outcome.record.displayName}" to enforced; requested by ${outcome.requestedBy.name}, approved by ${outcome.approvedBy.name}${asWords(outcome.as, outcome.approvedBy)}` };
    case 'alreadyEnforced':
      return { result: 'exists', detail: 'the policy is already enforced; nothing was changed' };
    case 'noPolicy':
      return { result: 'refused', detail: 'MfaBot\'s policy does not exist, so there is nothing to enforce' };
    case 'proposed':
      return { result: outcome.isNew ? 'proposed' : 'joined', detail: `${outcome.proposal.kind} request ${outcome.isNew ? 'sent to the approvers' : 'already waiting for an approver'}${outcome.proposal.roleIds ? ` (roles ${outcome.proposal.roleIds.join(', ')})` : ''}` };
    case 'pimApplied': {
      const count = (r: PimRoleResult['result']) => outcome.roles.filter((x) => x.result === r).length;
      const applied = count('applied');
      const result = pimComplete(outcome.roles) ? 'applied' : applied > 0 ? 'partial' : 'failed';
      const parts = [`MFA now required on activation of ${applied} role${applied === 1 ? '' : 's'}`];
      if (count('alreadyRequired') > 0) parts.push(`${count('alreadyRequired')} already required it`);
      if (count('skipped') > 0) parts.push(`${count('skipped')} now require an authentication context instead`);
      if (count('failed') + count('notDone') > 0) parts.push(`${count('failed') + count('notDone')} not changed`);
      return { result, detail: `${parts.join('; ')}; requested by ${outcome.requestedBy.name}, approved by ${outcome.approvedBy.name}` };
    }
    case 'pimUpToDate':
      return { result: 'exists', detail: 'activating every admin role in scope already demands MFA; nothing was changed' };
    case 'rejected':
      return { result: 'rejected', detail: `rejected${outcome.proposal.reason ? `: ${outcome.proposal.reason}` : ''}` };
    case 'expired':
      return { result: 'expired', detail: 'the request had expired; nothing was changed' };
    case 'closed':
      return { result: 'refused', detail: `the request was already ${outcome.proposal.status}; nothing was changed` };
    case 'unknownProposal':
      return { result: 'refused', detail: 'unknown request id; nothing was changed' };
    case 'refused':
      return { result: 'refused', detail: outcome.reason };
    case 'blocked':
      return { result: 'refused', detail: outcome.blockers.map((b) => b.problem).join(' ') };
    case 'busy':
      return { result: 'busy', detail: 'another change was in progress; nothing was changed by this click' };
    case 'signInRequired':
      return { result: 'signIn', detail: `asked Teams to sign the approver in (${outcome.reason}); nothing was changed yet` };
    case 'failed':
      return { result: outcome.failure.changed === 'unknown' ? 'unknown' : 'failed', detail: outcome.failure.message };
  }
}

/** How the audit log says who made a change. */
export function asWords(as: ChangedAs | undefined, approver: Person): string {
  if (as === 'approver') return `, made with ${approver.name}'s own identity`;
  return as === 'application' ? ', made with MfaBot\'s app permissions' : '';
}

/**
 * A Graph failure as the card tells it. `changed: 'no'` (a read failed, or Graph refused the write)
 * says nothing was changed; 'unknown' says so and how to check.
 */
export function writeFailure(err: GraphFailure, changed: 'no' | 'unknown', what = 'the policy'): WriteFailure {
  const message = err.kind === 'badRequest'
    ? `Graph rejected ${what}: ${err.details.graphMessage ?? err.message} Nothing was changed.`
    : changed === 'unknown'
      ? `${err.message} MfaBot could not confirm whether the change was made, and did not find it when it looked again. Check the Conditional Access policies in the Entra admin center before trying again; MfaBot looks for its policy first, so clicking again will not create a second one.`
      : `${err.message} Nothing was changed.`;
  return {
    message,
    changed,
    ...(err.details.missing ? { missing: err.details.missing } : {}),
    ...(err.details.graphMessage ? { graphMessage: err.details.graphMessage } : {}),
    ...(err.details.requestId ? { requestId: err.details.requestId } : {}),
  };
}
