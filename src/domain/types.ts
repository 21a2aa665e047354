/**
 * Domain vocabulary shared by the gateway, the decisions and the cards.
 * Pure data: nothing here knows about Graph clients, Teams or storage.
 */
import type { ConditionalAccessPolicy } from '@microsoft/microsoft-graph-types';
import type { AdminCoverage, PolicyMiss } from './coverageEngine';
import type { StrengthInput } from './policyRegion';
import type { NamedLocationInput, UnprotectedSignIn } from './signInSpace';

export type { ConditionalAccessPolicy };

/** Built-in directory role, identified by its template id (equal to its unifiedRoleDefinition id). */
export interface RoleInfo {
  id: string;
  displayName: string;
  /** Lower is more dangerous; used to order admins and roles "worst first". */
  rank: number;
}

export type Activation = 'active' | 'eligible';
export type Via = 'direct' | 'group';
export type Licence = 'free' | 'p1' | 'p2';

/** One reason a user is an admin: a role in scope, how it is held and through what. */
export interface AdminRole {
  roleId: string;
  activation: Activation;
  via: Via;
  /** Set when `via` is `group`: the role-assignable group that holds the role. */
  groupId?: string;
  groupName?: string;
}

/** A user holding at least one role in scope (README, "Who counts as an admin?"). */
export interface Admin {
  id: string;
  userPrincipalName: string;
  displayName: string;
  accountEnabled: boolean | null;
  roles: AdminRole[];
  /** From userRegistrationDetails.isMfaRegistered; null when the report has no row (unknown). */
  mfaRegistered: boolean | null;
  /** True when Graph says the account is a guest (userType "Guest"); absent or false: an internal member. */
  guest?: boolean;
  /**
   * Whether Conditional Access makes every sign-in of this admin use MFA, with one that gets through
   * when not. Set by the status decision; admins judged alike share it, so it is read-only.
   */
  ca?: AdminCoverage;
}

/** A service principal holding a role in scope: reported apart, never counted as an admin. */
export interface PrivilegedServicePrincipal {
  id: string;
  displayName: string;
  appId: string | null;
  roleIds: string[];
}

/** Settings that decide what a policy may exclude without opening a gap, and what the tenant says (README, "When does a CA policy enforce MFA for a role?"). */
export interface PolicyCheckSettings {
  /** Role template ids in scope. */
  roleIds: string[];
  /** Declared break-glass ids: users, or groups, a policy may exclude without opening a gap. */
  breakGlassUserIds: string[];
  /** The sanctioned service-account exclusion group, if any. */
  exclusionGroupId: string | null;
  /** More sanctioned exclusion groups, beside `exclusionGroupId`. */
  exclusionGroupIds?: string[];
  /** The tenant's named locations, for which are trusted. */
  namedLocations?: NamedLocationInput[];
  /** The tenant's authentication strength policies, for which require MFA. */
  authenticationStrengths?: StrengthInput[];
  /**
   * Authentication strength policies known to require MFA (ids). When a policy references a strength
   * whose id is not in this list and whose requirement is unknown, it is judged by `requirementsSatisfied`
   * of the inline object if present.
   */
  mfaStrengthIds?: string[];
}

export interface PolicyGap {
  policyId: string;
  policyName?: string;
  reason: string;
}

export interface RoleCoverage {
  roleId: string;
  displayName: string;
  covered: boolean;
  /** The policies that together protect every sign-in of the role; empty when not covered. */
  coveredBy: string[];
  gaps: PolicyGap[];
  /** One sign-in of the role that no policy protects; null when covered. */
  unprotectedSignIn: UnprotectedSignIn | null;
  /** The policies that came closest to protecting that sign-in, with why each misses it. */
  closestPolicies: PolicyMiss[];
  /** The gap in one sentence; null when covered. */
  summary: string | null;
}

/** Output of `mfabot check-policies` (README, "The mfabot command") and the policy part of the status report. */
export interface CoverageReport {
  covered: boolean;
  uncoveredRoleIds: string[];
  roles: RoleCoverage[];
  /** Odd but harmless things about the policies (an unknown state, an exporter's `"locations": []`). */
  warnings: string[];
}

export interface AdminMfaSecureScore {
  /** Points earned for AdminMFAV2, when the tenant reports it. */
  score: number | null;
  /** Maximum points for AdminMFAV2 (from the control profile), when known. */
  maxScore: number | null;
  implementationStatus: string | null;
  /** The tenant's overall Secure Score, when known. */
  currentScore: number | null;
  overallMaxScore: number | null;
}

/** A part of the tenant that could not be read: shown as a caveat, never as silently wrong numbers. */
export interface Caveat {
  area: 'pim' | 'registration' | 'policies' | 'securityDefaults' | 'licence' | 'secureScore' | 'groups' | 'signIns' | 'roles' | 'names' | 'namedLocations';
  message: string;
  /** The permission or licence that would fix it, when that is what is missing. */
  missing?: string;
}
