/**
 * The status report: everything the status card and `mfabot status --json` show, computed purely
 * from TenantFacts and settings.
 */
import type {
  Admin, AdminMfaSecureScore, Caveat, CoverageReport, Licence, PrivilegedServicePrincipal, RoleCoverage,
} from './types';

export interface Totals {
  admins: number;
  registered: number;
  unregistered: number;
  unknown: number;
}

/** Per role in scope: who holds it and whether CA enforces MFA for it. */
export interface RoleSummary {
  roleId: string;
  displayName: string;
  rank: number;
  admins: number;
  active: number;
  eligible: number;
  unregistered: number;
  unknown: number;
  coverage: RoleCoverage;
}

export type AdviceKind = 'licence' | 'securityDefaults' | 'policy' | 'registration' | 'pim' | 'servicePrincipals';

export interface Advice {
  kind: AdviceKind;
  severity: 'good' | 'warning' | 'attention';
  text: string;
}

/** Whether the "Create policy (report-only)" action is offered, and if not, why. */
export interface PolicyActionAvailability {
  allowed: boolean;
  reason: string;
}

export interface StatusReport {
  tenantId: string;
  tenantName: string | null;
  generatedAt: string;
  /** Admins sorted by userPrincipalName (README, "The mfabot command"). */
  admins: Admin[];
  servicePrincipals: PrivilegedServicePrincipal[];
  totals: Totals;
  /** Roles in scope, worst first. */
  roles: RoleSummary[];
  policy: CoverageReport;
  /** Display names of the tenant's CA policies by id, so covering policies can be named too. */
  policyNames?: Record<string, string>;
  securityDefaultsEnabled: boolean | null;
  licence: Licence | null;
  secureScore: AdminMfaSecureScore | null;
  advice: Advice[];
  createPolicy: PolicyActionAvailability;
  caveats: Caveat[];
  graphRequests: number;
}
