/**
 * The policy use cases: propose, approve, reject, create (report-only) and enforce MfaBot's admin-MFA
 * Conditional Access policy, the audit trail, and the report-only impact.
 *
 * Safety lives here, not in the cards: the clicker's identity comes from the activity, the policy is
 * built from configuration, every write happens under a storage lease after looking for the policy
 * in Graph, and every attempt (allowed or not) is audited.
 */
import { randomUUID } from 'node:crypto';
import type { ConditionalAccessPolicy } from '@microsoft/microsoft-graph-types';
import {
  clickIsApproval, createBlockers, effectiveStatus, isConfiguredApprover, isExpired, mayAct, mayDecide, proposalTimes,
  DEFAULT_PROPOSAL_TTL_MS, type Action, type Blocker, type CreateFacts, type Person, type Proposal, type ProposalKind,
} from '../domain/approval';
import { summariseImpact, type ImpactSummary } from '../domain/impact';
import {
  buildPolicyDraft, describeDraft, enforceBlockers, isMfaBotPolicy, policyDrift, sameDraft, verifyDraft, REPORT_ONLY,
  type DraftDescription, type PolicyDraftSettings,
} from '../domain/policyDraft';
import type { Admin } from '../domain/types';
import { GraphFailure } from '../graph/errors';
import type { NamedUser, PolicyGateway } from '../graph/policyGateway';
import type { Logger } from '../log';
import type { AuditEntry, AuditLog } from '../store/audit';
import type { OperationLock } from '../store/lock';
import type { PolicyRecord, ProposalStore } from '../store/proposals';

export interface PolicyFeatureSettings extends PolicyDraftSettings {
  approverIds: readonly string[];
  approverGroupId: string | null;
  /** The approver of a request must not be its requester; an approver's own click then only proposes. */
  twoPersonRule: boolean;
  /** How long a proposal waits for an approver (default 24 h). */
  proposalTtlMs?: number;
  /** How long the create/enforce lease is held at most (default 2 min). */
  lockTtlMs?: number;
}

export interface PolicyServiceDeps {
  gateway: PolicyGateway;
  proposals: ProposalStore;
  audit: AuditLog;
  lock: OperationLock;
  settings: PolicyFeatureSettings;
  logger: Logger;
  now?: () => Date;
  newId?: () => string;
  /** Admins from the status report, for the impact summary; null when unavailable. */
  admins?: () => Promise<Admin[] | null>;
  /** Called after MfaBot changed the tenant (e.g. to drop a cached status report). */
  onChanged?: () => void;
  /** Waits between attempts to store an audit entry (default 100 ms, 500 ms, 2 s). */
  auditRetryDelaysMs?: readonly number[];
}

/** How a failed Graph write is described: whether anything changed is said only when it is known. */
export interface WriteFailure {
  message: string;
  /** 'no' when Graph guarantees nothing happened; 'unknown' after a 5xx, a timeout or a network error. */
  changed: 'no' | 'unknown';
  missing?: string;
  graphMessage?: string;
  requestId?: string;
}

export type Outcome =
  | { kind: 'created'; record: PolicyRecord; approvedBy: Person; proposal?: Proposal }
  | { kind: 'exists'; policy: ConditionalAccessPolicy; record?: PolicyRecord; proposal?: Proposal }
  | { kind: 'enforced'; record: PolicyRecord; requestedBy: Person; approvedBy: Person; proposal?: Proposal }
  | { kind: 'alreadyEnforced'; policy: ConditionalAccessPolicy; record?: PolicyRecord; proposal?: Proposal }
  | { kind: 'noPolicy' }
  | { kind: 'proposed'; proposal: Proposal; isNew: boolean }
  | { kind: 'rejected'; proposal: Proposal }
  | { kind: 'expired'; proposal: Proposal }
  | { kind: 'closed'; proposal: Proposal }
  | { kind: 'unknownProposal' }
  | { kind: 'refused'; action: Action; reason: string; proposal?: Proposal }
  | { kind: 'blocked'; action: 'create' | 'enable'; blockers: Blocker[]; proposal?: Proposal }
  | { kind: 'busy' }
  | { kind: 'failed'; action: 'create' | 'enable'; failure: WriteFailure; proposal?: Proposal };

/** What the approval card shows about a proposal. */
export interface ApprovalView {
  proposal: Proposal;
  /** What will be created, in words (create proposals). */
  description: DraftDescription | null;
  /** The policy to enforce (enable proposals). */
  policy: { id: string; displayName: string } | null;
  impact: ImpactSummary | null;
  approvers: NamedUser[];
}

const LOCK_NAME = 'conditional-access-policy';
const MAX_APPROVERS_SHOWN = 20;

/**
 * Refusals audited per person: the first few in a window, so that repeated clicks (or a script) by
 * someone who may not decide cannot push the real entries out of the audit card.
 */
class RefusalLimiter {
  private readonly seen = new Map<string, number[]>();
  constructor(private readonly max: number, private readonly windowMs: number) {}

  allow(who: string, now: number): boolean {
    const recent = (this.seen.get(who) ?? []).filter((t) => now - t < this.windowMs);
    const allowed = recent.length < this.max;
    if (allowed) recent.push(now);
    this.seen.set(who, recent);
    if (this.seen.size > 10_000) this.seen.delete(this.seen.keys().next().value as string);
    return allowed;
  }
}

export class PolicyService {
  private approverGroup: { at: number; members: Promise<NamedUser[]> } | null = null;
  private readonly refusals = new RefusalLimiter(5, 10 * 60_000);

  constructor(private readonly deps: PolicyServiceDeps) {}

  private now(): Date {
    return this.deps.now ? this.deps.now() : new Date();
  }

  private newId(): string {
    return this.deps.newId ? this.deps.newId() : randomUUID();
  }

  private get settings(): PolicyFeatureSettings {
    return this.deps.settings;
  }

  /** Whether `userId` is an approver; `note` explains a membership check that could not be made. */
  async approverStatus(userId: string | undefined): Promise<{ approver: boolean; note?: string }> {
    if (!userId) return { approver: false, note: 'Teams did not say who clicked (no Entra object id).' };
    if (isConfiguredApprover(userId, this.settings.approverIds)) return { approver: true };
    if (!this.settings.approverGroupId) return { approver: false };
    try {
      const members = await this.approverGroupMembers();
      return { approver: isConfiguredApprover(userId, [], members.map((m) => m.id)) };
    } catch (err) {
      const detail = err instanceof GraphFailure ? err.message : 'the approver group could not be read';
      return { approver: false, note: `The approver group could not be checked: ${detail}` };
    }
  }

  /**
   * Approver group members, read once for callers arriving together (20 concurrent clicks share one
   * read) and reused for a few seconds only, so a removed approver loses the right almost at once.
   */
  private approverGroupMembers(): Promise<NamedUser[]> {
    const groupId = this.settings.approverGroupId;
    if (!groupId) return Promise.resolve([]);
    const now = this.now().getTime();
    if (this.approverGroup && now - this.approverGroup.at < 5_000) return this.approverGroup.members;
    const members = this.deps.gateway.groupUsers(groupId);
    this.approverGroup = { at: now, members };
    members.catch(() => {
      if (this.approverGroup?.members === members) this.approverGroup = null;
    });
    return members;
  }

  /** Approvers by name, for @mentions (configured ids first, then group members). */
  async approvers(): Promise<NamedUser[]> {
    const named = await this.deps.gateway.userNames(this.settings.approverIds.slice(0, MAX_APPROVERS_SHOWN));
    const byId = new Map(named.map((n) => [n.id.toLowerCase(), n]));
    const out: NamedUser[] = this.settings.approverIds.map((id) => byId.get(id.toLowerCase()) ?? { id, displayName: id });
    if (this.settings.approverGroupId) {
      try {
        for (const m of await this.approverGroupMembers()) if (!out.some((o) => o.id.toLowerCase() === m.id)) out.push(m);
      } catch {
        // Mentions are a courtesy: the configured ids are still named.
      }
    }
    return out.slice(0, MAX_APPROVERS_SHOWN);
  }

  /** "Create policy (report-only)" clicked by `actor`. */
  async requestCreate(actor: Person): Promise<Outcome> {
    const { approver, note } = await this.approverStatus(actor.id);
    if (!clickIsApproval(approver, this.settings)) {
      const outcome = await this.propose('create', actor);
      await this.record(actor, 'policy.create', outcome, note);
      return outcome;
    }
    const outcome = await this.executeCreate(actor, actor);
    await this.record(actor, 'policy.create', outcome);
    return outcome;
  }

  /** "Enforce" clicked by `actor`. */
  async requestEnable(actor: Person): Promise<Outcome> {
    const { approver, note } = await this.approverStatus(actor.id);
    if (!clickIsApproval(approver, this.settings)) {
      const outcome = await this.propose('enable', actor);
      await this.record(actor, 'policy.enable', outcome, note);
      return outcome;
    }
    const outcome = await this.executeEnable(actor, actor);
    await this.record(actor, 'policy.enable', outcome);
    return outcome;
  }

  /** An approver's Approve on an approval card. */
  async approve(proposalId: string, actor: Person): Promise<Outcome> {
    const outcome = await this.approveInner(proposalId, actor);
    await this.record(actor, 'policy.approve', outcome);
    return outcome;
  }

  /**
   * The part Approve and Reject share: the request must exist, the clicker may decide it, and the
   * decision is claimed first, so a concurrent click (or a second approver) sees it is taken.
   */
  private async claimDecision(
    proposalId: string, actor: Person, action: 'approve' | 'reject', decided: (p: Proposal, at: string) => Proposal,
  ): Promise<{ outcome: Outcome } | { claimed: Proposal }> {
    const proposal = await this.deps.proposals.get(proposalId);
    if (!proposal) return { outcome: { kind: 'unknownProposal' } };
    const { approver, note } = await this.approverStatus(actor.id);
    const now = this.now();
    const decision = mayDecide(action, proposal, actor, approver, this.settings, now);
    if (!decision.allowed) {
      if (!approver) return { outcome: { kind: 'refused', action, reason: note ? `${decision.reason} ${note}` : decision.reason, proposal } };
      return { outcome: await this.closedOutcome(proposal, now, decision.reason) };
    }
    let claimed = false;
    const updated = await this.deps.proposals.update(proposal.id, (p) => {
      claimed = effectiveStatus(p, this.now()) === 'pending';
      return claimed ? decided(p, now.toISOString()) : undefined;
    });
    if (!claimed || !updated) return { outcome: await this.closedOutcome(updated ?? proposal, now) };
    return { claimed: updated };
  }

  private async approveInner(proposalId: string, actor: Person): Promise<Outcome> {
    const claim = await this.claimDecision(proposalId, actor, 'approve', (p, at) => ({ ...p, status: 'approved', decidedBy: actor, decidedAt: at }));
    if ('outcome' in claim) return claim.outcome;
    const approved = claim.claimed;

    let outcome: Outcome;
    try {
      outcome = approved.kind === 'create'
        ? await this.executeCreate(approved.requestedBy, actor, approved)
        : await this.executeEnable(approved.requestedBy, actor, approved);
    } catch (err) {
      // Thrown before any Graph write (failures after one are outcomes): back to pending, as below.
      await this.deps.proposals.update(approved.id, (p) => (p.status !== 'approved' ? undefined
        : { ...p, status: 'pending', decidedBy: undefined, decidedAt: undefined, lastError: 'MfaBot hit an unexpected error; nothing was changed.' }))
        .catch((e: unknown) => this.deps.logger.error({ err: e instanceof Error ? e.message : String(e), proposalId: approved.id }, 'could not reopen a request after a failure'));
      throw err;
    }
    const done = outcome.kind === 'created' || outcome.kind === 'exists' ? 'created'
      : outcome.kind === 'enforced' || outcome.kind === 'alreadyEnforced' ? 'enforced' : null;
    const lastError = outcome.kind === 'failed' ? outcome.failure.message
      : outcome.kind === 'blocked' ? outcome.blockers.map((b) => b.problem).join(' ')
        : outcome.kind === 'busy' ? 'Another create or enforce was in progress.' : outcome.kind === 'noPolicy' ? 'The policy no longer exists.' : undefined;
    // Done: record it. Not done: back to pending, so an approver can try again once the cause is fixed.
    const final = await this.deps.proposals.update(approved.id, (p) => (p.status !== 'approved' ? undefined
      : done ? { ...p, status: done, policyId: policyIdOf(outcome) ?? p.policyId }
        : { ...p, status: 'pending', decidedBy: undefined, decidedAt: undefined, lastError }));
    return { ...outcome, proposal: final ?? approved } as Outcome;
  }

  /** An approver's Reject, with the reason typed on the card. */
  async reject(proposalId: string, actor: Person, reason: string): Promise<Outcome> {
    const outcome = await this.rejectInner(proposalId, actor, reason);
    await this.record(actor, 'policy.reject', outcome, reason ? `reason: ${reason}` : undefined);
    return outcome;
  }

  private async rejectInner(proposalId: string, actor: Person, reason: string): Promise<Outcome> {
    const claim = await this.claimDecision(proposalId, actor, 'reject', (p, at) => ({ ...p, status: 'rejected', decidedBy: actor, decidedAt: at, reason }));
    if ('outcome' in claim) return claim.outcome;
    return { kind: 'rejected', proposal: claim.claimed };
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

  /** The proposal as it stands, for rendering a refresh; undefined when unknown. */
  async proposal(proposalId: unknown): Promise<Proposal | undefined> {
    if (typeof proposalId !== 'string') return undefined;
    const p = await this.deps.proposals.get(proposalId);
    return p ? { ...p, status: effectiveStatus(p, this.now()) } : undefined;
  }

  /** Remembers where the approval card was posted. */
  async rememberCard(proposalId: string, card: NonNullable<Proposal['card']>): Promise<void> {
    await this.deps.proposals.update(proposalId, (p) => ({ ...p, card }));
  }

  /** Everything the approval card shows. */
  async approvalView(proposal: Proposal): Promise<ApprovalView> {
    const [approvers, description, impact] = await Promise.all([
      this.approvers().catch(() => this.settings.approverIds.map((id) => ({ id, displayName: id }))),
      proposal.draft ? this.describe(proposal.draft) : Promise.resolve(null),
      proposal.kind === 'enable' && proposal.policyId ? this.impactFor(proposal.policyId) : Promise.resolve(null),
    ]);
    const policy = proposal.kind === 'enable' && proposal.policyId
      ? { id: proposal.policyId, displayName: (await this.deps.proposals.policyRecord())?.displayName ?? proposal.policyId }
      : null;
    return { proposal, description, policy, impact, approvers };
  }

  /** The draft in words, with break-glass accounts and the exclusion group by name (looked up in Graph). */
  private async describe(draft: NonNullable<Proposal['draft']>): Promise<DraftDescription> {
    const users: Record<string, string> = {};
    const groups: Record<string, string> = {};
    await Promise.all([
      ...draft.conditions.users.excludeUsers.map(async (id) => {
        const obj = await this.deps.gateway.directoryObject(id).catch(() => null);
        if (obj?.displayName) users[id] = obj.userPrincipalName ? `${obj.displayName} <${obj.userPrincipalName}>` : obj.displayName;
      }),
      ...draft.conditions.users.excludeGroups.map(async (id) => {
        const name = await this.deps.gateway.groupName(id).catch(() => null);
        if (name) groups[id] = name;
      }),
    ]);
    let strength: string | null = null;
    if ('authenticationStrength' in draft.grantControls) {
      const id = draft.grantControls.authenticationStrength.id;
      strength = (await this.deps.gateway.authenticationStrengths().catch(() => [])).find((s) => s.id === id)?.displayName ?? null;
    }
    return describeDraft(draft, { users, groups, strength });
  }

  /** Stores a proposal (or joins the open one) after checking it could be carried out. */
  private async propose(kind: ProposalKind, actor: Person): Promise<Outcome> {
    try {
      const existing = await this.findExisting();
      let policyId: string | null = null;
      let draft = null;
      if (kind === 'create') {
        if (existing) return { kind: 'exists', policy: existing, record: await this.deps.proposals.policyRecord() };
        const blockers = await this.createBlockersNow();
        if (blockers.length > 0) return { kind: 'blocked', action: 'create', blockers };
        draft = buildPolicyDraft(this.settings);
      } else {
        if (!existing?.id) return { kind: 'noPolicy' };
        if (existing.state === 'enabled') return { kind: 'alreadyEnforced', policy: existing, record: await this.deps.proposals.policyRecord() };
        const blockers = await this.enableBlockersNow(existing);
        if (blockers.length > 0) return { kind: 'blocked', action: 'enable', blockers };
        policyId = existing.id;
      }
      const now = this.now();
      const proposal: Proposal = {
        id: this.newId(),
        kind,
        status: 'pending',
        requestedBy: actor,
        ...proposalTimes(now, this.settings.proposalTtlMs ?? DEFAULT_PROPOSAL_TTL_MS),
        draft,
        policyId,
      };
      // A pending request for another draft (configuration changed) or another policy cannot be carried
      // out any more: a new click opens a new request rather than joining it until it expires.
      const sameRequest = (p: Proposal): boolean => (kind === 'create'
        ? p.draft !== null && draft !== null && sameDraft(p.draft, draft)
        : (p.policyId ?? '').toLowerCase() === (policyId ?? '').toLowerCase());
      const isOpen = (p: Proposal) => effectiveStatus(p, this.now()) === 'pending' && sameRequest(p);
      const stored = await this.deps.proposals.createOpen(proposal, isOpen);
      return { kind: 'proposed', proposal: stored.proposal, isNew: stored.created };
    } catch (err) {
      if (err instanceof GraphFailure) return { kind: 'failed', action: kind, failure: readFailure(err) };
      throw err;
    }
  }

  /** Creates the report-only policy, exactly once however many clicks arrive. */
  private async executeCreate(requestedBy: Person, approvedBy: Person, proposal?: Proposal): Promise<Outcome> {
    return this.underLease(async (stillHeld) => {
      try {
        const existing = await this.findExisting();
        if (existing) return { kind: 'exists', policy: existing, record: await this.rememberExisting(existing, requestedBy, approvedBy) };
        const blockers = await this.createBlockersNow();
        const draft = buildPolicyDraft(this.settings);
        if (proposal?.draft && !sameDraft(proposal.draft, draft)) {
          blockers.push({
            problem: 'MfaBot\'s configuration changed since this was requested, so the approved policy is not the one MfaBot would create now.',
            fix: 'Click "Create policy (report-only)" again for a new request.',
          });
        }
        if (blockers.length > 0) return { kind: 'blocked', action: 'create', blockers };
        const strengths = this.settings.authenticationStrengthId ? await this.deps.gateway.authenticationStrengths() : [];
        const verdict = verifyDraft(draft, this.settings, strengths.filter((s) => s.requiresMfa).map((s) => s.id));
        if (!verdict.ok) {
          return { kind: 'blocked', action: 'create', blockers: verdict.problems.map((p) => ({ problem: `The policy would leave a gap: ${p}.`, fix: 'Check MFABOT_ROLES, MFABOT_EXCLUSION_GROUP and MFABOT_POLICY_STRENGTH_ID.' })) };
        }
        // The checks above may have outlasted the lease; another instance may then have created it.
        if (!(await stillHeld())) return { kind: 'busy' };
        const unaudited = await this.auditIntent(approvedBy, 'policy.create', `creating "${draft.displayName}" report-only; requested by ${requestedBy.name}, approved by ${approvedBy.name}`, proposal);
        if (unaudited) return { kind: 'failed', action: 'create', failure: unaudited };
        let created: ConditionalAccessPolicy;
        try {
          created = await this.deps.gateway.createPolicy(draft);
        } catch (err) {
          if (!(err instanceof GraphFailure)) throw err;
          if (!err.outcomeUnknown) return { kind: 'failed', action: 'create', failure: writeFailure(err, 'no') };
          // Graph may have created it anyway: look before saying anything.
          const after = await this.findExisting().catch(() => null);
          if (!after) return { kind: 'failed', action: 'create', failure: writeFailure(err, 'unknown') };
          created = after;
        }
        const record: PolicyRecord = {
          policyId: created.id ?? '',
          displayName: created.displayName ?? draft.displayName,
          state: String(created.state ?? REPORT_ONLY),
          createdAt: created.createdDateTime ?? this.now().toISOString(),
          createdBy: approvedBy,
          requestedBy,
        };
        await this.saveRecord(record);
        this.deps.onChanged?.();
        return { kind: 'created', record, approvedBy, proposal };
      } catch (err) {
        if (err instanceof GraphFailure) return { kind: 'failed', action: 'create', failure: readFailure(err) };
        throw err;
      }
    });
  }

  /** Switches the report-only policy to enforced after re-checking it is still safe. */
  private async executeEnable(requestedBy: Person, approvedBy: Person, proposal?: Proposal): Promise<Outcome> {
    return this.underLease(async (stillHeld) => {
      try {
        const record = await this.deps.proposals.policyRecord();
        const policy = await this.findExisting();
        if (!policy?.id) return { kind: 'noPolicy' };
        if (proposal?.policyId && proposal.policyId.toLowerCase() !== policy.id.toLowerCase()) {
          return { kind: 'blocked', action: 'enable', blockers: [{ problem: 'The policy this request was about no longer exists.', fix: 'Click "Enforce" again for a new request.' }] };
        }
        if (policy.state === 'enabled') return { kind: 'alreadyEnforced', policy, record };
        const blockers = await this.enableBlockersNow(policy);
        if (blockers.length > 0) return { kind: 'blocked', action: 'enable', blockers };
        // Checked against a policy read under the lease: not valid once someone else may have taken it.
        if (!(await stillHeld())) return { kind: 'busy' };
        const unaudited = await this.auditIntent(approvedBy, 'policy.enable', `enforcing "${policy.displayName ?? policy.id}"; requested by ${requestedBy.name}, approved by ${approvedBy.name}`, proposal, policy.id);
        if (unaudited) return { kind: 'failed', action: 'enable', failure: unaudited };
        try {
          await this.deps.gateway.setPolicyState(policy.id, 'enabled');
        } catch (err) {
          if (!(err instanceof GraphFailure)) throw err;
          if (!err.outcomeUnknown) return { kind: 'failed', action: 'enable', failure: writeFailure(err, 'no') };
          const after = await this.deps.gateway.getPolicy(policy.id).catch(() => null);
          if (after?.state !== 'enabled') return { kind: 'failed', action: 'enable', failure: writeFailure(err, 'unknown') };
        }
        const updated: PolicyRecord = {
          ...(record ?? {
            policyId: policy.id,
            displayName: policy.displayName ?? '',
            createdAt: policy.createdDateTime ?? '',
            createdBy: { id: '', name: 'unknown' },
            requestedBy: { id: '', name: 'unknown' },
          }),
          policyId: policy.id,
          state: 'enabled',
          enforcedAt: this.now().toISOString(),
          enforcedBy: approvedBy,
        };
        await this.saveRecord(updated);
        this.deps.onChanged?.();
        return { kind: 'enforced', record: updated, requestedBy, approvedBy, proposal };
      } catch (err) {
        if (err instanceof GraphFailure) return { kind: 'failed', action: 'enable', failure: readFailure(err) };
        throw err;
      }
    });
  }

  /**
   * Runs `work` holding the create/enforce lease; a second caller gets `busy` at once. `work` must call
   * `stillHeld` right before writing to Graph: under throttling its reads can outlast the lease's TTL,
   * after which another instance may take the lease and write.
   */
  private async underLease(work: (stillHeld: () => Promise<boolean>) => Promise<Outcome>): Promise<Outcome> {
    const owner = this.newId();
    const lease = await this.deps.lock.acquire(LOCK_NAME, owner, this.settings.lockTtlMs ?? 120_000);
    if (!lease.acquired) return { kind: 'busy' };
    try {
      return await work(() => lease.renew());
    } finally {
      await lease.release().catch((err: unknown) => this.deps.logger.warn({ err: String(err) }, 'could not release the policy lease'));
    }
  }

  /**
   * Stores MfaBot's record of its policy. Graph stays the source of truth (findExisting falls back to
   * the display name), so a storage failure after Graph has changed the policy is logged loudly and
   * does not turn a change that happened into an error, an unaudited change and a request left "approved".
   */
  private async saveRecord(record: PolicyRecord): Promise<void> {
    try {
      await this.deps.proposals.savePolicyRecord(record);
    } catch (err) {
      this.deps.logger.error({ err: err instanceof Error ? err.message : String(err), policyId: record.policyId }, 'could not store the record of MfaBot\'s policy');
    }
  }

  /** MfaBot's policy in the tenant: by the id it stored, else by display name. */
  async findExisting(): Promise<ConditionalAccessPolicy | null> {
    const record = await this.deps.proposals.policyRecord();
    if (record?.policyId) {
      const byId = await this.deps.gateway.getPolicy(record.policyId);
      if (byId) return byId;
    }
    const all = await this.deps.gateway.listPolicies();
    return all.find(isMfaBotPolicy) ?? null;
  }

  /** A policy found in Graph that MfaBot has no record of (created by an earlier run): record it. */
  private async rememberExisting(policy: ConditionalAccessPolicy, requestedBy: Person, approvedBy: Person): Promise<PolicyRecord | undefined> {
    const record = await this.deps.proposals.policyRecord();
    if (record && policy.id && record.policyId.toLowerCase() === policy.id.toLowerCase()) return record;
    if (!policy.id) return record;
    const fresh: PolicyRecord = {
      policyId: policy.id,
      displayName: policy.displayName ?? '',
      state: String(policy.state ?? ''),
      createdAt: policy.createdDateTime ?? this.now().toISOString(),
      createdBy: approvedBy,
      requestedBy,
    };
    await this.saveRecord(fresh);
    return fresh;
  }

  private async createFacts(): Promise<CreateFacts> {
    const gw = this.deps.gateway;
    const soft = <T>(p: Promise<T>): Promise<T | null> => p.catch((err: unknown) => {
      if (err instanceof GraphFailure) return null;
      throw err;
    });
    const [licence, securityDefaultsEnabled, breakGlass, strengths] = await Promise.all([
      soft(gw.licence()),
      soft(gw.securityDefaultsEnabled()),
      Promise.all(this.settings.breakGlassUserIds.map((id) => gw.directoryObject(id))),
      this.settings.authenticationStrengthId ? gw.authenticationStrengths() : Promise.resolve(null),
    ]);
    const strengthId = this.settings.authenticationStrengthId?.toLowerCase() ?? null;
    const strength = strengthId && strengths ? strengths.find((s) => s.id === strengthId) : undefined;
    return {
      licence,
      securityDefaultsEnabled,
      breakGlass,
      strength: strengthId
        ? { id: strengthId, found: strength !== undefined, requiresMfa: strength?.requiresMfa ?? false, name: strength?.displayName ?? null }
        : null,
    };
  }

  private async createBlockersNow(): Promise<Blocker[]> {
    return createBlockers(await this.createFacts());
  }

  private async enableBlockersNow(policy: ConditionalAccessPolicy): Promise<Blocker[]> {
    const blockers = await this.createBlockersNow();
    // Enforcing must do what the approvers were shown: a policy edited in the portal (say, widened to
    // every user with a device requirement) could lock people out while the cards still promise MFA for admins.
    for (const change of policyDrift(buildPolicyDraft(this.settings), policy)) {
      blockers.push({
        problem: `The policy was changed after MfaBot created it. ${change}.`,
        fix: 'Undo the change in the Entra admin center, or delete the policy and let MfaBot create it again; then click Enforce.',
      });
    }
    const strengths = this.settings.authenticationStrengthId ? await this.deps.gateway.authenticationStrengths() : [];
    for (const problem of enforceBlockers(policy, this.settings, strengths.filter((s) => s.requiresMfa).map((s) => s.id))) {
      blockers.push({ problem: `Not safe to enforce: ${problem}.`, fix: 'Fix the policy in the Entra admin center (or delete it and let MfaBot create it again), then click Enforce.' });
    }
    return blockers;
  }

  /**
   * The last `n` audit entries, for approvers only. An approver's view is audited but not listed (so
   * reading the log cannot push changes out of view); anyone else's attempt is only logged: refusing
   * a read changes nothing, and auditing it would let anyone flood the audit log.
   */
  async auditEntries(actor: Person, n = 20): Promise<{ allowed: true; entries: AuditEntry[] } | { allowed: false; reason: string }> {
    const { approver, note } = await this.approverStatus(actor.id);
    const decision = mayAct('audit', approver);
    if (!decision.allowed) {
      this.deps.logger.warn({ actor: actor.id, action: 'audit.view' }, 'refused: only approvers may read the audit log');
      return { allowed: false, reason: note ? `${decision.reason} ${note}` : decision.reason };
    }
    await this.appendAudit({ at: this.now().toISOString(), actor, action: 'audit.view', result: 'shown', detail: `last ${n} entries` });
    return { allowed: true, entries: await this.deps.audit.latest(n, (e) => e.action !== 'audit.view') };
  }

  /**
   * What enforcing MfaBot's report-only policy would do, for the status card; null when MfaBot's
   * policy does not exist, is already enforced, or cannot be read. Non-null therefore also means
   * "offer Enforce".
   */
  async impactSummary(): Promise<ImpactSummary | null> {
    let policy: ConditionalAccessPolicy | null;
    try {
      policy = await this.findExisting();
    } catch (err) {
      if (err instanceof GraphFailure) return null;
      throw err;
    }
    if (!policy?.id || policy.state === 'enabled') return null;
    return this.impactFor(policy.id, policy.createdDateTime);
  }

  /** Sign-ins since the policy was created: no earlier one can have had it applied. */
  private async impactFor(policyId: string, createdDateTime?: string | null): Promise<ImpactSummary> {
    const admins = this.deps.admins ? await this.deps.admins().catch(() => null) : null;
    const created = createdDateTime ? new Date(createdDateTime) : null;
    const since = created && !Number.isNaN(created.getTime()) ? created : undefined;
    try {
      return summariseImpact(policyId, await this.deps.gateway.signInsForPolicy(policyId, { since }), admins);
    } catch (err) {
      if (!(err instanceof GraphFailure)) throw err;
      const message = err.kind === 'licence'
        ? 'Sign-in logs cannot be read: the tenant needs Entra ID P1 or P2 for them.'
        : err.kind === 'permission'
          ? `Sign-in logs cannot be read: MfaBot's app lacks ${err.details.missing ?? 'AuditLog.Read.All'}.`
          : `Sign-in logs could not be read: ${err.message}`;
      return summariseImpact(policyId, null, admins, { message, missing: err.details.missing });
    }
  }

  /** Appends the audit entry for an outcome. Never fails the action: a lost entry is logged loudly. */
  private async record(actor: Person, action: string, outcome: Outcome, extra?: string): Promise<void> {
    const { result, detail } = describeOutcome(outcome);
    if (outcome.kind === 'refused' && !this.refusals.allow(actor.id, this.now().getTime())) {
      // Someone clicking a button they may not use, again and again: logged, so the log still has every attempt.
      this.deps.logger.warn({ actor: actor.id, action, detail }, 'refused again: not audited, to keep the audit log readable');
      return;
    }
    const proposal = 'proposal' in outcome ? outcome.proposal : undefined;
    await this.appendAudit({
      at: this.now().toISOString(),
      actor,
      action,
      result,
      ...(policyIdOf(outcome) ? { policyId: policyIdOf(outcome) } : {}),
      ...(proposal ? { proposalId: proposal.id } : {}),
      detail: extra ? `${detail} (${extra})` : detail,
    });
  }

  /**
   * Records that a change to the tenant is about to be made. Every Conditional Access write is preceded
   * by one: if it cannot be stored the write does not happen, so no change is ever made unaudited (the
   * outcome entry that follows may still be lost; the intent then stands for it).
   */
  private async auditIntent(actor: Person, action: string, detail: string, proposal?: Proposal, policyId?: string): Promise<WriteFailure | null> {
    const entry: AuditEntry = {
      at: this.now().toISOString(), actor, action, result: 'intent', detail,
      ...(policyId ? { policyId } : {}), ...(proposal ? { proposalId: proposal.id } : {}),
    };
    try {
      await this.deps.audit.append(entry);
      return null;
    } catch (err) {
      this.deps.logger.error({ err: err instanceof Error ? err.message : String(err), audit: entry }, 'could not write to the audit log: the change was not made');
      return {
        message: 'MfaBot records every change to Conditional Access in its audit log before making it, and could not write to the audit log just now. Nothing was changed. Check MfaBot\'s storage (MFABOT_DATA_DIR, or the blob container), then try again.',
        changed: 'no',
      };
    }
  }

  /**
   * Appends an audit entry, retrying a storage failure a few times (a lock a crash left, a blob
   * throttled). An entry that still cannot be stored is written to the log in full, and the action is
   * not failed for it: by then the tenant has changed, or nothing was asked of it.
   */
  private async appendAudit(entry: AuditEntry): Promise<void> {
    const delays = this.deps.auditRetryDelaysMs ?? [100, 500, 2_000];
    for (let attempt = 0; ; attempt++) {
      try {
        await this.deps.audit.append(entry);
        return;
      } catch (err) {
        const delay = delays[attempt];
        if (delay === undefined) {
          this.deps.logger.error({ err: err instanceof Error ? err.message : String(err), audit: entry }, 'could not append to the audit log');
          return;
        }
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
}

function policyIdOf(outcome: Outcome): string | undefined {
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
      return { result: 'created', detail: `created "${outcome.record.displayName}" report-only; requested by ${outcome.record.requestedBy.name}, approved by ${outcome.approvedBy.name}` };
    case 'exists':
      return { result: 'exists', detail: `MfaBot's policy already exists (${outcome.policy.state ?? 'unknown state'}); nothing was created` };
    case 'enforced':
      return { result: 'enforced', detail: `switched "${outcome.record.displayName}" to enforced; requested by ${outcome.requestedBy.name}, approved by ${outcome.approvedBy.name}` };
    case 'alreadyEnforced':
      return { result: 'exists', detail: 'the policy is already enforced; nothing was changed' };
    case 'noPolicy':
      return { result: 'refused', detail: 'MfaBot\'s policy does not exist, so there is nothing to enforce' };
    case 'proposed':
      return { result: outcome.isNew ? 'proposed' : 'joined', detail: `${outcome.proposal.kind} request ${outcome.isNew ? 'sent to the approvers' : 'already waiting for an approver'}` };
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
      return { result: 'busy', detail: 'another create or enforce was in progress; nothing was changed by this click' };
    case 'failed':
      return { result: outcome.failure.changed === 'unknown' ? 'unknown' : 'failed', detail: outcome.failure.message };
  }
}

/** A failure before any write (a read): nothing was changed. */
function readFailure(err: GraphFailure): WriteFailure {
  return writeFailure(err, 'no');
}

function writeFailure(err: GraphFailure, changed: 'no' | 'unknown'): WriteFailure {
  let message: string;
  if (err.kind === 'permission') {
    message = `${err.message} Nothing was changed.`;
  } else if (err.kind === 'licence') {
    message = `${err.message} Nothing was changed.`;
  } else if (err.kind === 'badRequest') {
    message = `Graph rejected the policy: ${err.details.graphMessage ?? err.message} Nothing was changed.`;
  } else if (changed === 'unknown') {
    message = `${err.message} MfaBot could not confirm whether the change was made, and did not find it when it looked again. Check the Conditional Access policies in the Entra admin center before trying again; MfaBot looks for its policy first, so clicking again will not create a second one.`;
  } else {
    message = `${err.message} Nothing was changed.`;
  }
  return {
    message,
    changed,
    ...(err.details.missing ? { missing: err.details.missing } : {}),
    ...(err.details.graphMessage ? { graphMessage: err.details.graphMessage } : {}),
    ...(err.details.requestId ? { requestId: err.details.requestId } : {}),
  };
}
