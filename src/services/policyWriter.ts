/**
 * The one path by which MfaBot changes the tenant: create its report-only Conditional Access policy,
 * switch it on, or require MFA on PIM activation of admin roles. Each write happens exactly once
 * however many clicks and instances ask (a storage lease, and a look in Graph first), only after the
 * checks that make it safe have passed against what Graph holds now, and only once its intent is in
 * the audit log.
 */
import { randomUUID } from 'node:crypto';
import type { ConditionalAccessPolicy } from '@microsoft/microsoft-graph-types';
import { createBlockers, type Blocker, type CreateFacts, type Person, type Proposal, type ProposalKind } from '../domain/approval';
import {
  activationRuleWithMfa, ACTIVATION_RULE_ID, AUTH_CONTEXT_RULE_ID, demandsMfa, fixableRoleIds, judgePimActivation, ruleOf,
} from '../domain/pim';
import { roleInfo } from '../domain/roles';
import {
  buildPolicyDraft, enforceBlockers, isMfaBotPolicy, policyDrift, sameDraft, verifyDraft, REPORT_ONLY, type PolicyDraft, type PolicyDraftSettings,
} from '../domain/policyDraft';
import { GraphFailure } from '../graph/errors';
import type { PimGateway } from '../graph/pimGateway';
import type { PolicyGateway } from '../graph/policyGateway';
import type { Logger } from '../log';
import type { OperationLock } from '../store/lock';
import type { PolicyRecord, ProposalStore } from '../store/proposals';
import type { AuditTrail } from './auditTrail';
import { asWords, writeFailure, type Outcome, type PimRoleResult, type WriteFailure } from './outcomes';
import { CA_WRITE_ROLES, CA_WRITE_SCOPES, PIM_WRITE_ROLES, PIM_WRITE_SCOPES, type WriteAccess } from './writeAccess';

/**
 * A write Graph refused. With the approver's own identity, a 403 is their directory role (or the
 * delegated permission MfaBot was not granted): say which roles may do it, not what the app lacks.
 */
function refusedWrite(err: GraphFailure, access: WriteAccess, approver: Person, what: string): WriteFailure {
  if (access.as !== 'approver' || err.kind !== 'permission') return writeFailure(err, 'no');
  return refusedApprover(err, approver, what, CA_WRITE_ROLES, CA_WRITE_SCOPES);
}

function refusedApprover(err: GraphFailure, approver: Person, what: string, roles: readonly string[], scopes: readonly string[]): WriteFailure {
  return {
    message: `Microsoft Graph refused to let ${approver.name} ${what} with their own identity. That needs one of the directory roles ${roles.join(', ')} (active, not only eligible), and MfaBot's delegated permission${scopes.length > 1 ? 's' : ''} ${scopes.join(' and ')} with admin consent. Nothing was changed.`,
    changed: 'no',
    missing: `one of the roles ${roles.join(', ')}`,
    ...(err.details.requestId ? { requestId: err.details.requestId } : {}),
  };
}

export interface PolicyWriterDeps {
  gateway: PolicyGateway;
  /** PIM role settings; without it "Require MFA on activation" fails with a clear message. */
  pim?: PimGateway;
  proposals: ProposalStore;
  lock: OperationLock;
  audit: AuditTrail;
  settings: PolicyDraftSettings & { lockTtlMs?: number };
  logger: Logger;
  now: () => Date;
  newId?: () => string;
  /** Called after MfaBot changed the tenant (e.g. to drop a cached status report). */
  onChanged?: () => void;
}

const LOCK_NAME = 'conditional-access-policy';
/** PIM changes hold their own lease: they touch other objects than the Conditional Access policy. */
const PIM_LOCK_NAME = 'pim-activation-rules';
/** Failures after which the next roles would fail the same way: MfaBot stops instead of repeating them. */
const STOPS_THE_REST = new Set(['permission', 'licence', 'auth', 'throttled', 'unavailable', 'timeout', 'network']);
const UNKNOWN: Person = { id: '', name: 'unknown' };
type Held = () => Promise<boolean>;

export class PolicyWriter {
  constructor(private readonly deps: PolicyWriterDeps) {}

  /** Creates the report-only policy, exactly once however many clicks arrive. */
  async create(requestedBy: Person, approvedBy: Person, access: WriteAccess, proposal?: Proposal): Promise<Outcome> {
    return this.underLease('create', async (stillHeld) => {
      const existing = await this.findExisting();
      if (existing) return { kind: 'exists', policy: existing, record: await this.rememberExisting(existing, requestedBy, approvedBy) };
      const draft = buildPolicyDraft(this.deps.settings);
      const blockers = await this.createBlockers(draft, proposal);
      if (blockers.length > 0) return { kind: 'blocked', action: 'create', blockers };
      const detail = `creating "${draft.displayName}" report-only; requested by ${requestedBy.name}, approved by ${approvedBy.name}${asWords(access.as, approvedBy)}`;
      const notReady = await this.readyToWrite('create', stillHeld, () => this.deps.audit.intent(approvedBy, 'policy.create', detail, { proposal }));
      if (notReady) return notReady;
      let created: ConditionalAccessPolicy;
      try {
        created = await access.writes.createPolicy(draft);
      } catch (err) {
        if (!(err instanceof GraphFailure)) throw err;
        if (!err.outcomeUnknown) return { kind: 'failed', action: 'create', failure: refusedWrite(err, access, approvedBy, 'create the policy') };
        // Graph may have created it anyway: look before saying anything.
        const after = await this.findExisting().catch(() => null);
        if (!after) return { kind: 'failed', action: 'create', failure: writeFailure(err, 'unknown') };
        created = after;
      }
      const record: PolicyRecord = {
        policyId: created.id ?? '', displayName: created.displayName ?? draft.displayName, state: String(created.state ?? REPORT_ONLY),
        createdAt: created.createdDateTime ?? this.deps.now().toISOString(), createdBy: approvedBy, requestedBy,
      };
      await this.saveRecord(record);
      this.deps.onChanged?.();
      return { kind: 'created', record, approvedBy, proposal, as: access.as };
    });
  }

  /** Switches the report-only policy to enforced after re-checking it is still safe and unchanged. */
  async enable(requestedBy: Person, approvedBy: Person, access: WriteAccess, proposal?: Proposal): Promise<Outcome> {
    return this.underLease('enable', async (stillHeld) => {
      const record = await this.deps.proposals.policyRecord();
      const policy = await this.findExisting();
      if (!policy?.id) return { kind: 'noPolicy' };
      if (proposal?.policyId && proposal.policyId.toLowerCase() !== policy.id.toLowerCase()) {
        return { kind: 'blocked', action: 'enable', blockers: [{ problem: 'The policy this request was about no longer exists.', fix: 'Click "Enforce" again for a new request.' }] };
      }
      if (policy.state === 'enabled') return { kind: 'alreadyEnforced', policy, record };
      const blockers = await this.enableBlockers(policy);
      if (blockers.length > 0) return { kind: 'blocked', action: 'enable', blockers };
      const detail = `enforcing "${policy.displayName ?? policy.id}"; requested by ${requestedBy.name}, approved by ${approvedBy.name}${asWords(access.as, approvedBy)}`;
      const notReady = await this.readyToWrite('enable', stillHeld, () => this.deps.audit.intent(approvedBy, 'policy.enable', detail, { proposal, policyId: policy.id ?? undefined }));
      if (notReady) return notReady;
      try {
        await access.writes.setPolicyState(policy.id, 'enabled');
      } catch (err) {
        if (!(err instanceof GraphFailure)) throw err;
        if (!err.outcomeUnknown) return { kind: 'failed', action: 'enable', failure: refusedWrite(err, access, approvedBy, 'enforce the policy') };
        const after = await this.deps.gateway.getPolicy(policy.id).catch(() => null);
        if (after?.state !== 'enabled') return { kind: 'failed', action: 'enable', failure: writeFailure(err, 'unknown') };
      }
      const base: PolicyRecord = record ?? {
        policyId: policy.id, displayName: policy.displayName ?? '', state: '', createdAt: policy.createdDateTime ?? '', createdBy: UNKNOWN, requestedBy: UNKNOWN,
      };
      const updated: PolicyRecord = { ...base, policyId: policy.id, state: 'enabled', enforcedAt: this.deps.now().toISOString(), enforcedBy: approvedBy };
      await this.saveRecord(updated);
      this.deps.onChanged?.();
      return { kind: 'enforced', record: updated, requestedBy, approvedBy, proposal, as: access.as };
    });
  }

  /**
   * Requires Azure MFA on PIM activation of the roles in scope that lack it, one role at a time. Which
   * roles is decided here, from PIM's settings read now: those whose activation rule lacks MFA and
   * that require no authentication context instead, narrowed to `only` (the roles an approved request
   * named, or a click asked about), never widened by it. Before each write the role's rule is read
   * again and its intent audited; the rule goes back whole, with MultiFactorAuthentication added to
   * what it enabled; the outcome of each role is audited.
   */
  async requireMfaOnActivation(requestedBy: Person, approvedBy: Person, access: WriteAccess, proposal?: Proposal, only?: readonly string[]): Promise<Outcome> {
    const { pim } = this.deps;
    if (!pim) return { kind: 'failed', action: 'pimMfa', failure: { message: 'PIM role settings are not available to this MfaBot. Nothing was changed.', changed: 'no' } };
    return this.underLease('pimMfa', async (stillHeld) => {
      const settings = await pim.settings();
      const wanted = new Set((proposal?.roleIds ?? only ?? []).map((id) => id.toLowerCase()));
      const narrowed = proposal?.roleIds !== undefined || (only !== undefined && only.length > 0);
      const targets = fixableRoleIds(judgePimActivation(this.deps.settings.roleIds, settings, []))
        .filter((id) => !narrowed || wanted.has(id.toLowerCase()));
      if (targets.length === 0) return { kind: 'pimUpToDate', proposal };
      const byRole = new Map(settings.map((s) => [s.roleId.toLowerCase(), s.policyId]));
      const results: PimRoleResult[] = [];
      let stop: WriteFailure | null = null;
      for (const roleId of targets) {
        const policyId = byRole.get(roleId.toLowerCase()) ?? '';
        if (stop) {
          results.push({ roleId, policyId, result: 'notDone', enabledRules: [], failure: stop });
          continue;
        }
        if (!(await stillHeld())) {
          stop = { message: 'MfaBot\'s hold on the change ran out (another instance may have taken over). Nothing more was changed.', changed: 'no' };
          results.push({ roleId, policyId, result: 'notDone', enabledRules: [], failure: stop });
          continue;
        }
        const { stops, ...result } = await this.requireMfaForRole(pim, access, roleId, policyId, { requestedBy, approvedBy, proposal });
        results.push(result);
        if (result.result === 'failed' && result.failure && (result.failure.changed === 'unknown' || stops)) stop = result.failure;
      }
      if (results.some((r) => r.result === 'applied')) this.deps.onChanged?.();
      return { kind: 'pimApplied', roles: results, requestedBy, approvedBy, proposal, as: access.as };
    }, PIM_LOCK_NAME);
  }

  /** One role: read its rules again, audit the intent, write the activation rule back with MFA, audit the outcome. */
  private async requireMfaForRole(
    pim: PimGateway, access: WriteAccess, roleId: string, policyId: string, who: { requestedBy: Person; approvedBy: Person; proposal?: Proposal },
  ): Promise<PimRoleResult & { stops?: boolean }> {
    const { requestedBy, approvedBy, proposal } = who;
    const role = roleInfo(roleId).displayName;
    const about = { proposal, policyId };
    const rules = await pim.policyRules(policyId).catch((err: unknown) => {
      if (err instanceof GraphFailure) return err;
      throw err;
    });
    if (rules instanceof GraphFailure) return { roleId, policyId, result: 'failed', enabledRules: [], ...pimFailure(rules, 'no') };
    const rule = rules ? ruleOf({ rules }, ACTIVATION_RULE_ID) : undefined;
    if (!rules || !rule) {
      return { roleId, policyId, result: 'failed', enabledRules: [], failure: { message: `The PIM settings of ${role} changed (policy ${policyId} or its activation rule is gone). Nothing was changed for this role.`, changed: 'no' } };
    }
    const before = (rule.enabledRules ?? []).filter((r): r is string => typeof r === 'string');
    if (demandsMfa(rule)) return { roleId, policyId, result: 'alreadyRequired', enabledRules: before };
    if (ruleOf({ rules }, AUTH_CONTEXT_RULE_ID)?.isEnabled === true) return { roleId, policyId, result: 'skipped', enabledRules: before };
    const body = activationRuleWithMfa(rule);
    const words = (list: readonly string[]) => (list.length > 0 ? list.join(', ') : 'nothing');
    const detail = `${role}: on activation require ${words(body.enabledRules)} (was ${words(before)}); requested by ${requestedBy.name}, approved by ${approvedBy.name}${asWords(access.as, approvedBy)}`;
    const unaudited = await this.deps.audit.intent(approvedBy, 'pim.requireMfa', detail, about);
    if (unaudited) return { roleId, policyId, result: 'failed', enabledRules: before, failure: unaudited, stops: true };
    let outcome: PimRoleResult & { stops?: boolean };
    try {
      await access.pim.updateRule(policyId, body);
      outcome = { roleId, policyId, result: 'applied', enabledRules: body.enabledRules };
    } catch (err) {
      if (!(err instanceof GraphFailure)) throw err;
      outcome = { roleId, policyId, result: 'failed', enabledRules: before, ...pimFailure(err, err.outcomeUnknown ? 'unknown' : 'no', access.as === 'approver' ? approvedBy : null) };
      if (err.outcomeUnknown) {
        // Graph may have made the change anyway: look before saying anything.
        const after = await pim.policyRules(policyId).catch(() => null);
        const now = after ? ruleOf({ rules: after }, ACTIVATION_RULE_ID) : undefined;
        if (now && demandsMfa(now)) outcome = { roleId, policyId, result: 'applied', enabledRules: (now.enabledRules ?? []).filter((r): r is string => typeof r === 'string') };
      }
    }
    await this.deps.audit.part(approvedBy, 'pim.requireMfa', outcome.result === 'applied' ? 'applied' : outcome.failure?.changed === 'unknown' ? 'unknown' : 'failed',
      outcome.result === 'applied' ? `${role}: activation now requires ${words(outcome.enabledRules)}` : `${role}: ${outcome.failure?.message ?? 'not changed'}`, about);
    return outcome;
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

  /** Why MfaBot would not create its policy now; the `draft` it would create, checked against an approved one. */
  async createBlockers(draft: PolicyDraft = buildPolicyDraft(this.deps.settings), approved?: Proposal): Promise<Blocker[]> {
    const blockers = createBlockers(await this.createFacts());
    if (approved?.draft && !sameDraft(approved.draft, draft)) {
      blockers.push({
        problem: 'MfaBot\'s configuration changed since this was requested, so the approved policy is not the one MfaBot would create now.',
        fix: 'Click "Create policy (report-only)" again for a new request.',
      });
    }
    if (blockers.length > 0) return blockers;
    const verdict = verifyDraft(draft, this.deps.settings, await this.mfaStrengthIds());
    return verdict.problems.map((p) => ({ problem: `The policy would leave a gap: ${p}.`, fix: 'Check MFABOT_ROLES, MFABOT_EXCLUSION_GROUP and MFABOT_POLICY_STRENGTH_ID.' }));
  }

  /** Why MfaBot would not enforce `policy` now: what makes creating unsafe, and any change since it was created. */
  async enableBlockers(policy: ConditionalAccessPolicy): Promise<Blocker[]> {
    const blockers = createBlockers(await this.createFacts());
    // Enforcing must do what the approvers were shown: a policy edited in the portal (say, widened to
    // every user with a device requirement) could lock people out while the cards still promise MFA for admins.
    for (const change of policyDrift(buildPolicyDraft(this.deps.settings), policy)) {
      blockers.push({
        problem: `The policy was changed after MfaBot created it. ${change}.`,
        fix: 'Undo the change in the Entra admin center, or delete the policy and let MfaBot create it again; then click Enforce.',
      });
    }
    for (const problem of enforceBlockers(policy, this.deps.settings, await this.mfaStrengthIds())) {
      blockers.push({ problem: `Not safe to enforce: ${problem}.`, fix: 'Fix the policy in the Entra admin center (or delete it and let MfaBot create it again), then click Enforce.' });
    }
    return blockers;
  }

  /**
   * The last steps before a write: under throttling the checks can outlast the lease, after which
   * another instance may hold it and write; and the intent must be in the audit log. Null: go ahead.
   */
  private async readyToWrite(action: ProposalKind, stillHeld: Held, intent: () => Promise<WriteFailure | null>): Promise<Outcome | null> {
    if (!(await stillHeld())) return { kind: 'busy' };
    const unaudited = await intent();
    return unaudited ? { kind: 'failed', action, failure: unaudited } : null;
  }

  /**
   * Runs `work` holding the create/enforce lease; a second caller gets `busy` at once. A Graph failure
   * before any write (a read) becomes a failed outcome: nothing was changed.
   */
  private async underLease(action: ProposalKind, work: (stillHeld: Held) => Promise<Outcome>, lockName = LOCK_NAME): Promise<Outcome> {
    const owner = this.deps.newId ? this.deps.newId() : randomUUID();
    const lease = await this.deps.lock.acquire(lockName, owner, this.deps.settings.lockTtlMs ?? 120_000);
    if (!lease.acquired) return { kind: 'busy' };
    try {
      return await work(() => lease.renew());
    } catch (err) {
      if (err instanceof GraphFailure) return { kind: 'failed', action, failure: writeFailure(err, 'no') };
      throw err;
    } finally {
      await lease.release().catch((err: unknown) => this.deps.logger.warn({ err: String(err), lock: lockName }, 'could not release a change lease'));
    }
  }

  /**
   * Stores MfaBot's record of its policy. Graph stays the source of truth (findExisting falls back to
   * the display name), so a storage failure after Graph has changed the policy is logged loudly and
   * does not turn a change that happened into an error.
   */
  private async saveRecord(record: PolicyRecord): Promise<void> {
    try {
      await this.deps.proposals.savePolicyRecord(record);
    } catch (err) {
      this.deps.logger.error({ err: err instanceof Error ? err.message : String(err), policyId: record.policyId }, 'could not store the record of MfaBot\'s policy');
    }
  }

  /** A policy found in Graph that MfaBot has no record of (created by an earlier run): record it. */
  private async rememberExisting(policy: ConditionalAccessPolicy, requestedBy: Person, approvedBy: Person): Promise<PolicyRecord | undefined> {
    const record = await this.deps.proposals.policyRecord();
    if (!policy.id || (record && record.policyId.toLowerCase() === policy.id.toLowerCase())) return record;
    const fresh: PolicyRecord = {
      policyId: policy.id, displayName: policy.displayName ?? '', state: String(policy.state ?? ''),
      createdAt: policy.createdDateTime ?? this.deps.now().toISOString(), createdBy: approvedBy, requestedBy,
    };
    await this.saveRecord(fresh);
    return fresh;
  }

  private async mfaStrengthIds(): Promise<string[]> {
    if (!this.deps.settings.authenticationStrengthId) return [];
    return (await this.deps.gateway.authenticationStrengths()).filter((s) => s.requiresMfa).map((s) => s.id);
  }

  private async createFacts(): Promise<CreateFacts> {
    const { gateway, settings } = this.deps;
    const soft = <T>(p: Promise<T>): Promise<T | null> => p.catch((err: unknown) => {
      if (err instanceof GraphFailure) return null;
      throw err;
    });
    const [licence, securityDefaultsEnabled, breakGlass, strengths] = await Promise.all([
      soft(gateway.licence()),
      soft(gateway.securityDefaultsEnabled()),
      Promise.all(settings.breakGlassUserIds.map((id) => gateway.directoryObject(id))),
      settings.authenticationStrengthId ? gateway.authenticationStrengths() : Promise.resolve(null),
    ]);
    const strengthId = settings.authenticationStrengthId?.toLowerCase() ?? null;
    const strength = strengthId && strengths ? strengths.find((s) => s.id === strengthId) : undefined;
    return {
      licence,
      securityDefaultsEnabled,
      breakGlass,
      strength: strengthId ? { id: strengthId, found: strength !== undefined, requiresMfa: strength?.requiresMfa ?? false, name: strength?.displayName ?? null } : null,
    };
  }
}

/**
 * A PIM write that failed, in words. Made as the approver, a 403 is their role (or the delegated
 * permission's consent). Made as the app, a 403 on the rule update has two causes MfaBot cannot tell
 * apart: the app lacks the permission, or Graph refuses application permissions for this call
 * altogether (Microsoft's permission map lists it as delegated only). The message names both and the
 * fix for each.
 */
function pimFailure(err: GraphFailure, changed: 'no' | 'unknown', asApprover: Person | null = null): { failure: WriteFailure; stops: boolean } {
  const stops = STOPS_THE_REST.has(err.kind);
  if (asApprover && err.kind === 'permission' && err.details.method === 'PATCH') {
    return { stops: true, failure: refusedApprover(err, asApprover, 'change PIM role settings', PIM_WRITE_ROLES, PIM_WRITE_SCOPES) };
  }
  if (err.kind === 'permission' && err.details.method === 'PATCH') {
    return { stops: true, failure: {
      message: 'Microsoft Graph refused to let MfaBot\'s app change PIM role settings (403). Microsoft documents this change for a signed-in admin only (delegated permissions), and this tenant refuses it to applications: grant RoleManagementPolicy.ReadWrite.Directory if `mfabot doctor` says it is missing; if it is granted, the fix is MfaBot acting as the approving admin (delegated mode) instead of as its app. Until then, make the change in the Entra admin center: Identity Governance > Privileged Identity Management > Microsoft Entra roles > Roles > the role > Role settings > Edit > On activation, require: Azure MFA. Nothing was changed.',
      changed: 'no',
      missing: 'RoleManagementPolicy.ReadWrite.Directory',
      ...(err.details.graphMessage ? { graphMessage: err.details.graphMessage } : {}),
      ...(err.details.requestId ? { requestId: err.details.requestId } : {}),
    } };
  }
  const base = writeFailure(err, changed, 'the change to the role settings');
  if (changed === 'unknown') {
    base.message = `${err.message} MfaBot could not confirm whether the change was made. Check the role's settings in PIM (Microsoft Entra roles > Roles > the role > Role settings) before trying again; MfaBot reads them first, so clicking again does not change a role twice.`;
  }
  return { failure: base, stops };
}
