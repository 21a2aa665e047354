/**
 * What a policy outcome looks like in Teams: the card (or message) the clicker sees and whether it
 * replaces the clicked card for everyone. A new request also posts its approval card here, mentioning
 * the approvers and naming them in `refresh.userIds` so their client shows Approve and Reject.
 */
import { TeamsInfo, type TurnContext } from 'botbuilder';
import type { Proposal } from '../domain/approval';
import { noticeCard } from '../cards/message';
import {
  approvalCard, pimResultCard, policyBlockedCard, policyCreatedCard, policyEnforcedCard, policyFailedCard, proposalClosedCard, refusalCard,
} from '../cards/policy';
import type { AdaptiveCard } from '../cards/types';
import type { Outcome, PolicyService } from '../services/policy';
import type { TeamsIdStore } from '../store/teamsIds';
import { cardActivity, withTimeout, type Presentation } from './invoke';

export interface PolicyPresenterDeps {
  service: PolicyService;
  teamsIds: TeamsIdStore;
  now: () => Date;
}

const UNKNOWN = { id: '', name: 'unknown' };
const expiry = (p: Proposal): string => `${p.expiresAt.slice(0, 16).replace('T', ' ')} UTC`;
/** What a request asks the approvers to do, after "to". */
const asked = (p: Proposal): string => (p.kind === 'create' ? 'create the policy' : p.kind === 'enable' ? 'enforce the policy'
  : `require MFA on PIM activation of ${p.roleIds?.length === 1 ? '1 admin role' : `${p.roleIds?.length ?? 0} admin roles`}`);

export function createPolicyPresenter(deps: PolicyPresenterDeps) {
  const { service } = deps;

  const renderApproval = async (context: TurnContext, proposal: Proposal, actionable: boolean, note?: string): Promise<AdaptiveCard> => {
    const view = await service.approvalView(proposal);
    const refreshUserIds = proposal.card?.refreshUserIds ?? await approverMris(deps.teamsIds, context, view.approvers);
    return approvalCard({ ...view, refreshUserIds, actionable, note });
  };

  /** Posts the approval card of a new request in the conversation and says whom MfaBot asked. */
  const postApproval = async (context: TurnContext, proposal: Proposal): Promise<Presentation> => {
    const view = await service.approvalView(proposal);
    const refreshUserIds = await approverMris(deps.teamsIds, context, view.approvers);
    const posted = await context.sendActivity(cardActivity(approvalCard({ ...view, refreshUserIds, actionable: false })));
    await service.rememberCard(proposal.id, { conversationId: context.activity.conversation?.id ?? '', activityId: posted?.id ?? null, refreshUserIds });
    const names = view.approvers.map((a) => a.displayName).join(', ') || 'nobody (no approver is configured)';
    return { forAll: false, message: `MfaBot asked the approvers to ${asked(proposal)}: ${names}. The request is in this conversation and expires ${expiry(proposal)}.` };
  };

  /** Turns an outcome into what the clicker (or everyone) sees; posts the approval card for new requests. */
  const present = async (context: TurnContext, outcome: Outcome): Promise<Presentation> => {
    switch (outcome.kind) {
      case 'created':
      case 'exists':
        return createdOrExisting(deps, outcome);
      case 'enforced':
      case 'alreadyEnforced':
        return enforced(deps, outcome);
      case 'noPolicy':
        return { forAll: false, card: noticeCard('MfaBot\'s policy does not exist', 'There is nothing to enforce. Click "Create policy (report-only)" on a status card first. Nothing was changed.') };
      case 'proposed': {
        if (outcome.isNew) return postApproval(context, outcome.proposal);
        const p = outcome.proposal;
        return { forAll: false, message: `A request to ${asked(p)} is already waiting for an approver (asked by ${p.requestedBy.name}, expires ${expiry(p)}).` };
      }
      case 'rejected':
      case 'expired':
        return { forAll: true, card: proposalClosedCard(outcome.proposal) };
      case 'closed':
        return { forAll: false, card: proposalClosedCard(outcome.proposal) };
      case 'unknownProposal':
        return { forAll: false, card: noticeCard('This request is not known', 'The card may be out of date or altered. Nothing was changed.') };
      case 'refused':
        return {
          forAll: false,
          card: outcome.proposal?.status === 'pending'
            ? await renderApproval(context, outcome.proposal, false, `${outcome.reason} Nothing was changed; this attempt was recorded.`)
            : refusalCard(outcome.reason),
        };
      case 'blocked':
        return { forAll: false, card: policyBlockedCard(outcome.action, outcome.blockers) };
      case 'signInRequired':
        return { forAll: false, signIn: true, message: 'Sign in to MfaBot, then click again: the change is made with your own identity. Nothing was changed yet.' };
      case 'pimApplied':
        return { forAll: true, card: pimResultCard({ roles: outcome.roles, requestedBy: outcome.requestedBy, approvedBy: outcome.approvedBy, at: deps.now().toISOString() }) };
      case 'pimUpToDate':
        return { forAll: outcome.proposal !== undefined, card: noticeCard('Nothing to change', 'Activating every admin role in scope already demands MFA (or an authentication context its Conditional Access policy protects). Nothing was changed.') };
      case 'busy':
        return { forAll: false, card: noticeCard('Already in progress', 'Another click is making this change right now. This card will not change anything; type "status" in a moment to see the result.') };
      case 'failed':
        return { forAll: false, card: policyFailedCard(outcome.action, outcome.failure) };
    }
  };

  return { present, renderApproval };
}

export type PolicyPresenter = ReturnType<typeof createPolicyPresenter>;

/** A created policy, or the one that existed already (with its report-only impact). */
async function createdOrExisting(deps: PolicyPresenterDeps, outcome: Extract<Outcome, { kind: 'created' | 'exists' }>): Promise<Presentation> {
  if (outcome.kind === 'created') {
    const r = outcome.record;
    return { forAll: true, card: policyCreatedCard({ policyId: r.policyId, displayName: r.displayName, state: r.state, at: r.createdAt, requestedBy: r.requestedBy, approvedBy: outcome.approvedBy }) };
  }
  const { policy, record: r } = outcome;
  return {
    forAll: outcome.proposal !== undefined,
    card: policyCreatedCard({
      policyId: policy.id ?? '', displayName: policy.displayName ?? '', state: String(policy.state ?? ''),
      at: r?.createdAt ?? policy.createdDateTime ?? deps.now().toISOString(),
      requestedBy: r?.requestedBy ?? UNKNOWN, approvedBy: r?.createdBy ?? UNKNOWN, alreadyExisted: true,
      impact: policy.state === 'enabled' ? null : await deps.service.impactSummary().catch(() => null),
    }),
  };
}

/** An enforced policy, or one that was enforced already. */
function enforced(deps: PolicyPresenterDeps, outcome: Extract<Outcome, { kind: 'enforced' | 'alreadyEnforced' }>): Presentation {
  if (outcome.kind === 'enforced') {
    const r = outcome.record;
    return { forAll: true, card: policyEnforcedCard({ policyId: r.policyId, displayName: r.displayName, state: 'enabled', at: r.enforcedAt ?? deps.now().toISOString(), requestedBy: outcome.requestedBy, approvedBy: outcome.approvedBy }) };
  }
  const { policy, record: r } = outcome;
  return {
    forAll: outcome.proposal !== undefined,
    card: policyEnforcedCard({
      policyId: policy.id ?? '', displayName: policy.displayName ?? '', state: 'enabled', at: r?.enforcedAt ?? deps.now().toISOString(),
      requestedBy: r?.requestedBy ?? UNKNOWN, approvedBy: r?.enforcedBy ?? UNKNOWN, alreadyExisted: true,
    }),
  };
}

/** Approvers' Teams ids: remembered ones, else asked from Teams (best effort, bounded in time). */
async function approverMris(teamsIds: TeamsIdStore, context: TurnContext, approvers: { id: string }[]): Promise<string[]> {
  const out: string[] = [];
  await Promise.all(approvers.slice(0, 60).map(async ({ id }) => {
    const known = await teamsIds.get(id).catch(() => undefined);
    if (known) {
      out.push(known);
      return;
    }
    try {
      const member = await withTimeout(TeamsInfo.getMember(context, id), 1_500);
      if (member?.id) out.push(member.id);
    } catch {
      // Not in this conversation, or the connector cannot say: the card's button still works for them.
    }
  }));
  return out.sort();
}
