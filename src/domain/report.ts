/**
 * The status report: everything the status card and `mfabot status --json` show, computed purely
 * from TenantFacts and settings.
 */
import type { MembershipReads, RegistrationSource } from './facts';
import type { PimActivationVerdict } from './pim';
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
  /** The role's own verdict: the hypothetical admin holding exactly this role. */
  coverage: RoleCoverage;
  /** Holders Conditional Access leaves a way to sign in without MFA (caCovered false). */
  caUncovered: number;
  /** Holders left out on purpose: declared break-glass accounts and exclusion groups. */
  caExcluded: number;
}

/** Conditional Access per admin, in numbers. */
export interface AdminCaTotals {
  covered: number;
  uncovered: number;
  excluded: number;
  /** Uncovered admins judged as if their eligible roles were activated. */
  uncoveredEligible: number;
  /** Distinct (roles, groups, exclusions) signatures the engine judged. */
  signatures: number;
}

export type AdviceKind = 'licence' | 'securityDefaults' | 'policy' | 'registration' | 'pim' | 'pimActivation' | 'servicePrincipals';

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
  /** Conditional Access per admin (each admin's own verdict is `admin.ca`). */
  adminCa: AdminCaTotals;
  /** Display names of the tenant's CA policies by id, so covering policies can be named too. */
  policyNames?: Record<string, string>;
  securityDefaultsEnabled: boolean | null;
  licence: Licence | null;
  secureScore: AdminMfaSecureScore | null;
  advice: Advice[];
  createPolicy: PolicyActionAvailability;
  /** Per role in scope: does activating it in PIM demand MFA (unknown for every role without P2)? */
  pimActivation: PimActivationVerdict[];
  /** Whether "Require MFA on activation" is offered, for which roles (computed here, never taken from a card). */
  pimFix: PolicyActionAvailability & { roleIds: string[] };
  /** Where admins' MFA registration came from (null when it could not be read). */
  registrationSource: RegistrationSource | null;
  caveats: Caveat[];
  graphRequests: number;
  /** What reading the members of groups Conditional Access names cost (absent when not read). */
  membershipReads?: MembershipReads;
}
