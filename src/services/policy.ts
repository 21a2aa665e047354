/**
 * The change use cases: a click on Create, Enforce or Require MFA on activation (carried out at once
 * for an approver, proposed to the approvers otherwise), an approver's Approve or Reject, the
 * approval card's content, the audit log, and the report-only impact. This class only coordinates the parts that decide:
 * approvers (who may), proposals (the request's life), the writer (the one path that changes the
 * tenant), the audit trail and the impact reader.
 *
 * Safety lives in those parts, not in the cards: the clicker's identity comes from the activity, the
 * policy is built from configuration, every write happens under a storage lease after looking for the
 * policy in Graph, and every attempt (allowed or not) is audited.
 */
import { clickIsApproval, type Person, type Proposal, type ProposalKind } from '../domain/approval';
import { ACTIVATION_RULE_ID, activationRuleWithMfa, fixableRoleIds, judgePimActivation, ruleOf } from '../domain/pim';
import type { EnforcementAftermath } from '../domain/aftermath';
import type { AuditEntry } from '../domain/audit';
import type { ImpactSummary } from '../domain/impact';
import { buildPolicyDraft, describeDraft, type DraftDescription, type PolicyDraftSettings } from '../domain/policyDraft';
import type { Admin } from '../domain/types';
import { GraphFailure } from '../graph/errors';
import type { PimGateway } from '../graph/pimGateway';
import type { NamedUser, PolicyGateway } from '../graph/policyGateway';
import type { Logger } from '../log';
import type { AuditLog } from '../store/audit';
import type { OperationLock } from '../store/lock';
import type { ProposalStore } from '../store/proposals';
import { Approvers } from './approvers';
import { AuditTrail } from './auditTrail';
import { ImpactReader } from './impact';
import { writeFailure, type Outcome } from './outcomes';
import { PolicyWriter } from './policyWriter';
import { ProposalFlow } from './proposals';
import { ExchangeFailed, SignInRequired, TokenRefused } from '../graph/delegated';
import { applicationWrites, CA_WRITE_SCOPES, PIM_WRITE_SCOPES, type SignInProof, type WriteAccess, type WriteIdentity } from './writeAccess';

export { describeOutcome, type Outcome, type WriteFailure } from './outcomes';

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
  /** PIM role settings (Require MFA on activation); absent: that change is not available. */
  pim?: PimGateway;
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
  /** How changes are made: with the app's permissions (default) or the approver's own identity. */
  writeIdentity?: WriteIdentity;
}

/** What the approval card shows about a proposal. */
export interface ApprovalView {
  proposal: Proposal;
  /** What will be created, in words (create proposals). */
  description: DraftDescription | null;
  /** The policy to enforce (enable proposals). */
  policy: { id: string; displayName: string } | null;
  impact: ImpactSummary | null;
  approvers: NamedUser[];
  /** pimMfa: per role, what activation asks for now and after the change (null when it could not be read). */
  pim: { roleId: string; before: string[] | null; after: string[] | null }[] | null;
}

/** The audit log's name for each change. */
const CHANGE_ACTIONS: Readonly<Record<ProposalKind, string>> = { create: 'policy.create', enable: 'policy.enable', pimMfa: 'pim.requireMfa' };

export class PolicyService {
  private readonly approverList: Approvers;
  private readonly trail: AuditTrail;
  private readonly writer: PolicyWriter;
  private readonly requests: ProposalFlow;
  private readonly impact: ImpactReader;
  private readonly writeIdentity: WriteIdentity;

  constructor(private readonly deps: PolicyServiceDeps) {
    const now = deps.now ?? (() => new Date());
    this.approverList = new Approvers(deps.gateway, deps.settings, now);
    this.trail = new AuditTrail({ log: deps.audit, logger: deps.logger, now, retryDelaysMs: deps.auditRetryDelaysMs });
    this.writer = new PolicyWriter({
      gateway: deps.gateway, pim: deps.pim, proposals: deps.proposals, lock: deps.lock, audit: this.trail, settings: deps.settings, logger: deps.logger, now, newId: deps.newId, onChanged: deps.onChanged,
    });
    this.requests = new ProposalFlow({ proposals: deps.proposals, rules: deps.settings, logger: deps.logger, now, newId: deps.newId });
    this.impact = new ImpactReader({
      gateway: deps.gateway, findPolicy: () => this.writer.findExisting(), admins: deps.admins, record: () => deps.proposals.policyRecord(), now,
    });
    this.writeIdentity = deps.writeIdentity ?? applicationWrites(deps.gateway, deps.pim);
  }

  /** Whether `userId` is an approver; `note` explains a membership check that could not be made. */
  approverStatus(userId: string | undefined): Promise<{ approver: boolean; note?: string }> {
    return this.approverList.status(userId);
  }

  /** Approvers by name, for @mentions (configured ids first, then group members). */
  approvers(): Promise<NamedUser[]> {
    return this.approverList.list();
  }

  /** "Create policy (report-only)" clicked by `actor`; `proof` is what Teams sent of their sign-in. */
  requestCreate(actor: Person, proof?: SignInProof): Promise<Outcome> {
    return this.request('create', actor, proof);
  }

  /** "Enforce" clicked by `actor`. */
  requestEnable(actor: Person, proof?: SignInProof): Promise<Outcome> {
    return this.request('enable', actor, proof);
  }

  /**
   * "Require MFA on activation" clicked by `actor`. `wish` is the roles the card named: it can only
   * narrow the roles MfaBot finds lacking MFA now, never add one.
   */
  requestPimMfa(actor: Person, wish?: readonly string[], proof?: SignInProof): Promise<Outcome> {
    return this.request('pimMfa', actor, proof, wish);
  }

  /** An approver's Approve on an approval card. */
  async approve(proposalId: string, actor: Person, proof?: SignInProof): Promise<Outcome> {
    const outcome = await this.approveInner(proposalId, actor, proof);
    await this.trail.record(actor, 'policy.approve', outcome);
    return outcome;
  }

  /**
   * The approver's write access is settled before the request is claimed: a click that must first
   * sign in leaves the request open for the click that follows the sign-in.
   */
  private async approveInner(proposalId: string, actor: Person, proof?: SignInProof): Promise<Outcome> {
    const status = await this.approverStatus(actor.id);
    const pending = status.approver ? await this.requests.current(proposalId) : undefined;
    let access: WriteAccess | null = null;
    if (pending?.status === 'pending') {
      const resolved = await this.accessFor(pending.kind, actor, proof);
      if ('kind' in resolved) return resolved;
      access = resolved;
    }
    const claim = await this.requests.claim(proposalId, actor, status, 'approve', (p, at) => ({ ...p, status: 'approved', decidedBy: actor, decidedAt: at }));
    if ('outcome' in claim) return claim.outcome;
    const approved = claim.claimed;
    try {
      const granted = access ?? await this.accessFor(approved.kind, actor, proof);
      const outcome = 'kind' in granted ? granted : await this.carryOut(approved.kind, approved.requestedBy, actor, granted, approved);
      return await this.requests.settle(approved, outcome);
    } catch (err) {
      await this.requests.reopen(approved);
      throw err;
    }
  }

  /** An approver's Reject, with the reason typed on the card. */
  async reject(proposalId: string, actor: Person, reason: string): Promise<Outcome> {
    const claim = await this.requests.claim(proposalId, actor, await this.approverStatus(actor.id), 'reject', (p, at) => ({ ...p, status: 'rejected', decidedBy: actor, decidedAt: at, reason }));
    const outcome: Outcome = 'outcome' in claim ? claim.outcome : { kind: 'rejected', proposal: claim.claimed };
    await this.trail.record(actor, 'policy.reject', outcome, reason ? `reason: ${reason}` : undefined);
    return outcome;
  }

  /** The proposal as it stands, for rendering a refresh; undefined when unknown. */
  proposal(proposalId: unknown): Promise<Proposal | undefined> {
    return this.requests.current(proposalId);
  }

  /** Remembers where the approval card was posted. */
  rememberCard(proposalId: string, card: NonNullable<Proposal['card']>): Promise<void> {
    return this.requests.rememberCard(proposalId, card);
  }

  /** MfaBot's policy in the tenant: by the id it stored, else by display name. */
  findExisting() {
    return this.writer.findExisting();
  }

  /** The last `n` audit entries, for approvers only. */
  async auditEntries(actor: Person, n = 20): Promise<{ allowed: true; entries: AuditEntry[] } | { allowed: false; reason: string }> {
    return this.trail.view(actor, await this.approverStatus(actor.id), n);
  }

  /** What enforcing MfaBot's report-only policy would do; null when there is no such policy. */
  impactSummary(): Promise<ImpactSummary | null> {
    return this.impact.summary();
  }

  /** For the days after MfaBot enforced its policy: the admins it stopped at sign-in; null outside them. */
  afterEnforcement(): Promise<EnforcementAftermath | null> {
    return this.impact.afterEnforcement();
  }

  /** Everything the approval card shows. */
  async approvalView(proposal: Proposal): Promise<ApprovalView> {
    const enforcing = proposal.kind === 'enable' && proposal.policyId ? proposal.policyId : null;
    const [approvers, description, impact, record, pim] = await Promise.all([
      this.approvers().catch(() => this.deps.settings.approverIds.map((id) => ({ id, displayName: id }))),
      proposal.draft ? this.describe(proposal.draft) : Promise.resolve(null),
      enforcing ? this.impact.forPolicy(enforcing) : Promise.resolve(null),
      enforcing ? this.deps.proposals.policyRecord() : Promise.resolve(undefined),
      proposal.kind === 'pimMfa' ? this.pimChange(proposal.roleIds ?? []) : Promise.resolve(null),
    ]);
    const policy = enforcing ? { id: enforcing, displayName: record?.displayName ?? enforcing } : null;
    return { proposal, description, policy, impact, approvers, pim };
  }

  /** What activation of each role asks for now, and would after the change; unknown when PIM cannot be read. */
  private async pimChange(roleIds: readonly string[]): Promise<ApprovalView['pim']> {
    const settings = this.deps.pim ? await this.deps.pim.settings().catch(() => null) : null;
    return roleIds.map((roleId) => {
      const rule = settings?.find((s) => s.roleId.toLowerCase() === roleId.toLowerCase());
      const activation = rule ? ruleOf(rule, ACTIVATION_RULE_ID) : undefined;
      if (!activation) return { roleId, before: null, after: null };
      const before = (activation.enabledRules ?? []).filter((r): r is string => typeof r === 'string');
      return { roleId, before, after: activationRuleWithMfa(activation).enabledRules };
    });
  }

  /**
   * A click on a change: carried out for an approver, proposed otherwise; audited either way. `proof`
   * is the clicker's sign-in, `wish` the roles a PIM click named.
   */
  private async request(kind: ProposalKind, actor: Person, proof?: SignInProof, wish?: readonly string[]): Promise<Outcome> {
    const { approver, note } = await this.approverStatus(actor.id);
    const action = CHANGE_ACTIONS[kind];
    if (!clickIsApproval(approver, this.deps.settings)) {
      const outcome = await this.propose(kind, actor, wish);
      await this.trail.record(actor, action, outcome, note);
      return outcome;
    }
    const access = await this.accessFor(kind, actor, proof);
    const outcome = 'kind' in access ? access : await this.carryOut(kind, actor, actor, access, undefined, wish);
    await this.trail.record(actor, action, outcome);
    return outcome;
  }

  /**
   * How the approver's change will be made: with their own identity (delegated mode), which may need
   * Teams to sign them in first, or with the app's permissions.
   */
  private async accessFor(kind: ProposalKind, actor: Person, proof?: SignInProof): Promise<WriteAccess | Outcome> {
    try {
      return await this.writeIdentity.forChange(actor, proof, kind === 'pimMfa' ? PIM_WRITE_SCOPES : CA_WRITE_SCOPES);
    } catch (err) {
      if (err instanceof SignInRequired) return { kind: 'signInRequired', action: kind, reason: err.reason };
      if (err instanceof TokenRefused) return { kind: 'refused', action: kind, reason: `${err.reason} Nothing was changed.` };
      if (err instanceof ExchangeFailed) return { kind: 'failed', action: kind, failure: { message: `${err.reason} Nothing was changed.`, changed: 'no' } };
      throw err;
    }
  }

  private carryOut(kind: ProposalKind, requestedBy: Person, approvedBy: Person, access: WriteAccess, proposal?: Proposal, wish?: readonly string[]): Promise<Outcome> {
    switch (kind) {
      case 'create':
        return this.writer.create(requestedBy, approvedBy, access, proposal);
      case 'enable':
        return this.writer.enable(requestedBy, approvedBy, access, proposal);
      case 'pimMfa':
        return this.writer.requireMfaOnActivation(requestedBy, approvedBy, access, proposal, wish);
    }
  }

  /** Opens a request (or joins the open one) after checking it could be carried out. */
  private async propose(kind: ProposalKind, actor: Person, wish?: readonly string[]): Promise<Outcome> {
    try {
      if (kind === 'pimMfa') return await this.proposePimMfa(actor, wish);
      const existing = await this.writer.findExisting();
      const record = () => this.deps.proposals.policyRecord();
      if (kind === 'create') {
        if (existing) return { kind: 'exists', policy: existing, record: await record() };
        const blockers = await this.writer.createBlockers();
        if (blockers.length > 0) return { kind: 'blocked', action: 'create', blockers };
        return await this.requests.open('create', actor, { draft: buildPolicyDraft(this.deps.settings), policyId: null });
      }
      if (!existing?.id) return { kind: 'noPolicy' };
      if (existing.state === 'enabled') return { kind: 'alreadyEnforced', policy: existing, record: await record() };
      const blockers = await this.writer.enableBlockers(existing);
      if (blockers.length > 0) return { kind: 'blocked', action: 'enable', blockers };
      return await this.requests.open('enable', actor, { draft: null, policyId: existing.id });
    } catch (err) {
      if (err instanceof GraphFailure) return { kind: 'failed', action: kind, failure: writeFailure(err, 'no') };
      throw err;
    }
  }

  /** A request for the roles whose activation lacks MFA now (narrowed to `wish`), computed here: the proposal stores them. */
  private async proposePimMfa(actor: Person, wish?: readonly string[]): Promise<Outcome> {
    if (!this.deps.pim) return { kind: 'failed', action: 'pimMfa', failure: { message: 'PIM role settings are not available to this MfaBot. Nothing was changed.', changed: 'no' } };
    const wanted = new Set((wish ?? []).map((id) => id.toLowerCase()));
    const roleIds = fixableRoleIds(judgePimActivation(this.deps.settings.roleIds, await this.deps.pim.settings(), []))
      .filter((id) => wanted.size === 0 || wanted.has(id.toLowerCase()));
    if (roleIds.length === 0) return { kind: 'pimUpToDate' };
    return this.requests.open('pimMfa', actor, { draft: null, policyId: null, roleIds });
  }

  /** The draft in words, with break-glass accounts and the exclusion group by name (looked up in Graph). */
  private async describe(draft: NonNullable<Proposal['draft']>): Promise<DraftDescription> {
    const { gateway } = this.deps;
    const users: Record<string, string> = {};
    const groups: Record<string, string> = {};
    await Promise.all([
      ...draft.conditions.users.excludeUsers.map(async (id) => {
        const obj = await gateway.directoryObject(id).catch(() => null);
        if (obj?.displayName) users[id] = obj.userPrincipalName ? `${obj.displayName} <${obj.userPrincipalName}>` : obj.displayName;
      }),
      ...draft.conditions.users.excludeGroups.map(async (id) => {
        const name = await gateway.groupName(id).catch(() => null);
        if (name) groups[id] = name;
      }),
    ]);
    let strength: string | null = null;
    if ('authenticationStrength' in draft.grantControls) {
      const id = draft.grantControls.authenticationStrength.id;
      strength = (await gateway.authenticationStrengths().catch(() => [])).find((s) => s.id === id)?.displayName ?? null;
    }
    return describeDraft(draft, { users, groups, strength });
  }
}
