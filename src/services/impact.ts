/**
 * What MfaBot's policy does, from the sign-in logs: while report-only, the admins who would have been
 * prompted for MFA and the unregistered ones who would have to register; for the days after it was
 * enforced, the admins it stopped at sign-in and whether each got through.
 */
import type { ConditionalAccessPolicy } from '@microsoft/microsoft-graph-types';
import { aftermathWindow, summariseAftermath, type EnforcementAftermath } from '../domain/aftermath';
import { summariseImpact, type ImpactSummary } from '../domain/impact';
import type { Admin } from '../domain/types';
import { GraphFailure } from '../graph/errors';
import type { PolicyGateway } from '../graph/policyGateway';
import type { PolicyRecord } from '../store/proposals';

export interface ImpactDeps {
  gateway: Pick<PolicyGateway, 'signInsForPolicy'>;
  /** MfaBot's policy in the tenant (null when there is none). */
  findPolicy: () => Promise<ConditionalAccessPolicy | null>;
  /** Admins from the status report; null when unavailable. */
  admins?: () => Promise<Admin[] | null>;
  /** MfaBot's record of its policy (when it enforced it). */
  record?: () => Promise<PolicyRecord | undefined>;
  now?: () => Date;
}

/** Why sign-in logs could not be read, in words a person can act on. */
function unreadable(err: GraphFailure): { message: string; missing?: string } {
  const message = err.kind === 'licence'
    ? 'Sign-in logs cannot be read: the tenant needs Entra ID P1 or P2 for them.'
    : err.kind === 'permission'
      ? `Sign-in logs cannot be read: MfaBot's app lacks ${err.details.missing ?? 'AuditLog.Read.All'}.`
      : `Sign-in logs could not be read: ${err.message}`;
  return { message, missing: err.details.missing };
}

export class ImpactReader {
  constructor(private readonly deps: ImpactDeps) {}

  /**
   * The impact of MfaBot's report-only policy, for the status card; null when the policy does not
   * exist, is already enforced, or cannot be read. Non-null therefore also means "offer Enforce".
   */
  async summary(): Promise<ImpactSummary | null> {
    let policy: ConditionalAccessPolicy | null;
    try {
      policy = await this.deps.findPolicy();
    } catch (err) {
      if (err instanceof GraphFailure) return null;
      throw err;
    }
    if (!policy?.id || policy.state === 'enabled') return null;
    return this.forPolicy(policy.id, policy.createdDateTime);
  }

  /** Sign-ins since the policy was created: no earlier one can have had it applied. */
  async forPolicy(policyId: string, createdDateTime?: string | null): Promise<ImpactSummary> {
    const admins = this.deps.admins ? await this.deps.admins().catch(() => null) : null;
    const created = createdDateTime ? new Date(createdDateTime) : null;
    const since = created && !Number.isNaN(created.getTime()) ? created : undefined;
    try {
      return summariseImpact(policyId, await this.deps.gateway.signInsForPolicy(policyId, { since }), admins);
    } catch (err) {
      if (!(err instanceof GraphFailure)) throw err;
      return summariseImpact(policyId, null, admins, unreadable(err));
    }
  }

  /**
   * For AFTERMATH_DAYS after MfaBot enforced its policy: the admins it interrupted at sign-in (MFA or
   * registration required) and whether each later signed in with it satisfied. The read is bounded by
   * the enforcement time and filtered locally as the report-only impact is. Null outside that period,
   * or when MfaBot did not enforce the policy.
   */
  async afterEnforcement(): Promise<EnforcementAftermath | null> {
    const record = await this.deps.record?.().catch(() => undefined);
    const now = this.deps.now ? this.deps.now() : new Date();
    if (!record?.policyId || record.state !== 'enabled' || !record.enforcedAt) return null;
    const window = aftermathWindow(record.enforcedAt, now);
    if (!window) return null;
    const admins = this.deps.admins ? await this.deps.admins().catch(() => null) : null;
    const base = { policyId: record.policyId, enforcedAt: record.enforcedAt, now, admins };
    try {
      return summariseAftermath({ ...base, signIns: await this.deps.gateway.signInsForPolicy(record.policyId, { since: window.since }) });
    } catch (err) {
      if (!(err instanceof GraphFailure)) throw err;
      return summariseAftermath({ ...base, signIns: null, unavailable: unreadable(err) });
    }
  }
}
