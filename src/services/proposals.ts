/**
 * The life of an approval request: opened by someone who may not decide (joining the one already open
 * for the same change), claimed by the approver who decides it (so a concurrent click or a second
 * approver sees it is taken), and closed by what came of it: done, or back to pending so an approver
 * can try again once the cause is fixed.
 */
import { randomUUID } from 'node:crypto';
import {
  effectiveStatus, isExpired, mayDecide, proposalTimes, DEFAULT_PROPOSAL_TTL_MS, type ApprovalRules, type Person, type Proposal, type ProposalKind,
} from '../domain/approval';
import { sameDraft, type PolicyDraft } from '../domain/policyDraft';
import type { Logger } from '../log';
import type { ProposalStore } from '../store/proposals';
import { pimComplete, policyIdOf, type Outcome } from './outcomes';

export interface ProposalFlowDeps {
  proposals: ProposalStore;
  rules: ApprovalRules & { proposalTtlMs?: number };
  logger: Logger;
  now: () => Date;
  newId?: () => string;
}

/** What the approver's claim came to: a decision to carry out, or an outcome that ends the click. */
export type Claim = { claimed: Proposal } | { outcome: Outcome };

export class ProposalFlow {
  constructor(private readonly deps: ProposalFlowDeps) {}

  /** Opens a request for `kind` (or joins the open one for the same change). */
  async open(kind: ProposalKind, actor: Person, what: { draft: PolicyDraft | null; policyId: string | null; roleIds?: readonly string[] }): Promise<Outcome> {
    const now = this.deps.now();
    const proposal: Proposal = {
      id: this.deps.newId ? this.deps.newId() : randomUUID(),
      kind,
      status: 'pending',
      requestedBy: actor,
      ...proposalTimes(now, this.deps.rules.proposalTtlMs ?? DEFAULT_PROPOSAL_TTL_MS),
      draft: what.draft,
      policyId: what.policyId,
      ...(what.roleIds ? { roleIds: [...what.roleIds] } : {}),
    };
    // A pending request for another draft (configuration changed) or another policy cannot be carried
    // out any more: a new click opens a new request rather than joining it until it expires.
    const sameRequest = (p: Proposal): boolean => (kind === 'create'
      ? p.draft !== null && what.draft !== null && sameDraft(p.draft, what.draft)
      : kind === 'pimMfa'
        ? sameSet(p.roleIds ?? [], what.roleIds ?? [])
        : (p.policyId ?? '').toLowerCase() === (what.policyId ?? '').toLowerCase());
    const isOpen = (p: Proposal) => effectiveStatus(p, this.deps.now()) === 'pending' && sameRequest(p);
    const stored = await this.deps.proposals.createOpen(proposal, isOpen);
    return { kind: 'proposed', proposal: stored.proposal, isNew: stored.created };
  }

  /**
   * The part Approve and Reject share: the request must exist, the clicker may decide it, and the
   * decision is claimed first, so a concurrent click (or a second approver) sees it is taken.
   */
  async claim(
    proposalId: string, actor: Person, approver: { approver: boolean; note?: string }, action: 'approve' | 'reject',
    decided: (p: Proposal, at: string) => Proposal,
  ): Promise<Claim> {
    const proposal = await this.deps.proposals.get(proposalId);
    if (!proposal) return { outcome: { kind: 'unknownProposal' } };
    const now = this.deps.now();
    const decision = mayDecide(action, proposal, actor, approver.approver, this.deps.rules, now);
    if (!decision.allowed) {
      if (!approver.approver) return { outcome: { kind: 'refused', action, reason: approver.note ? `${decision.reason} ${approver.note}` : decision.reason, proposal } };
      return { outcome: await this.closedOutcome(proposal, now, decision.reason) };
    }
    let claimed = false;
    const updated = await this.deps.proposals.update(proposal.id, (p) => {
      claimed = effectiveStatus(p, this.deps.now()) === 'pending';
      return claimed ? decided(p, now.toISOString()) : undefined;
    });
    if (!claimed || !updated) return { outcome: await this.closedOutcome(updated ?? proposal, now) };
    return { claimed: updated };
  }

  /** Records what an approved request came to: done, or back to pending with the reason. */
  async settle(approved: Proposal, outcome: Outcome): Promise<Outcome> {
    const done = outcome.kind === 'created' || outcome.kind === 'exists' ? 'created'
      : outcome.kind === 'enforced' || outcome.kind === 'alreadyEnforced' ? 'enforced'
        : outcome.kind === 'pimUpToDate' || (outcome.kind === 'pimApplied' && pimComplete(outcome.roles)) ? 'applied' : null;
    const lastError = outcome.kind === 'failed' ? outcome.failure.message
      : outcome.kind === 'blocked' ? outcome.blockers.map((b) => b.problem).join(' ')
        : outcome.kind === 'pimApplied' ? outcome.roles.find((r) => r.failure)?.failure?.message ?? 'Some roles were not changed.'
          : outcome.kind === 'busy' ? 'Another change was in progress.' : outcome.kind === 'noPolicy' ? 'The policy no longer exists.' : undefined;
    const final = await this.deps.proposals.update(approved.id, (p) => (p.status !== 'approved' ? undefined
      : done ? { ...p, status: done, policyId: policyIdOf(outcome) ?? p.policyId }
        : { ...p, status: 'pending', decidedBy: undefined, decidedAt: undefined, lastError }));
    return { ...outcome, proposal: final ?? approved } as Outcome;
  }

  /** After an error thrown before any Graph write (failures after one are outcomes): back to pending. */
  async reopen(approved: Proposal): Promise<void> {
    await this.deps.proposals.update(approved.id, (p) => (p.status !== 'approved' ? undefined
      : { ...p, status: 'pending', decidedBy: undefined, decidedAt: undefined, lastError: 'MfaBot hit an unexpected error; nothing was changed.' }))
      .catch((e: unknown) => this.deps.logger.error({ err: e instanceof Error ? e.message : String(e), proposalId: approved.id }, 'could not reopen a request after a failure'));
  }

  /** The proposal as it stands, for rendering a refresh; undefined when unknown. */
  async current(proposalId: unknown): Promise<Proposal | undefined> {
    if (typeof proposalId !== 'string') return undefined;
    const p = await this.deps.proposals.get(proposalId);
    return p ? { ...p, status: effectiveStatus(p, this.deps.now()) } : undefined;
  }

  /** Remembers where the approval card was posted. */
  async rememberCard(proposalId: string, card: NonNullable<Proposal['card']>): Promise<void> {
    await this.deps.proposals.update(proposalId, (p) => ({ ...p, card }));
  }

  /** A proposal that can no longer be decided: expired (recorded as such) or already decided. */
  private async closedOutcome(proposal: Proposal, now: Date, reason?: string): Promise<Outcome> {
    if (proposal.status === 'pending' && isExpired(proposal, now)) {
      const expired = await this.deps.proposals.update(proposal.id, (p) => (p.status === 'pending' ? { ...p, status: 'expired' } : undefined));
      return { kind: 'expired', proposal: expired ?? { ...proposal, status: 'expired' } };
    }
    if (proposal.status === 'expired') return { kind: 'expired', proposal };
    if (proposal.status === 'rejected') return { kind: 'rejected', proposal };
    if (reason && proposal.status === 'pending') return { kind: 'refused', action: 'approve', reason, proposal };
    return { kind: 'closed', proposal };
  }
}

/** The same ids, whatever the order and letter case. */
function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const norm = (ids: readonly string[]) => [...new Set(ids.map((id) => id.toLowerCase()))].sort().join(',');
  return norm(a) === norm(b);
}
