/**
 * What enforcing MfaBot's report-only policy would do, from the sign-in logs: admins who would have
 * been prompted for MFA, and unregistered admins who would have to register at their next sign-in.
 */
import type { ConditionalAccessPolicy } from '@microsoft/microsoft-graph-types';
import { summariseImpact, type ImpactSummary } from '../domain/impact';
import type { Admin } from '../domain/types';
import { GraphFailure } from '../graph/errors';
import type { PolicyGateway } from '../graph/policyGateway';

export interface ImpactDeps {
  gateway: Pick<PolicyGateway, 'signInsForPolicy'>;
  /** MfaBot's policy in the tenant (null when there is none). */
  findPolicy: () => Promise<ConditionalAccessPolicy | null>;
  /** Admins from the status report; null when unavailable. */
  admins?: () => Promise<Admin[] | null>;
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
      const message = err.kind === 'licence'
        ? 'Sign-in logs cannot be read: the tenant needs Entra ID P1 or P2 for them.'
        : err.kind === 'permission'
          ? `Sign-in logs cannot be read: MfaBot's app lacks ${err.details.missing ?? 'AuditLog.Read.All'}.`
          : `Sign-in logs could not be read: ${err.message}`;
      return summariseImpact(policyId, null, admins, { message, missing: err.details.missing });
    }
  }
}
