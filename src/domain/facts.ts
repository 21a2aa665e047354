/**
 * What the gateway reads from a tenant, normalised: the input of every status decision.
 * Built by `graph/` from Graph DTOs (or by tests by hand); consumed by pure functions in `domain/`.
 */
import type { AdminMfaSecureScore, Caveat, ConditionalAccessPolicy, Licence, Activation } from './types';

export type PrincipalKind = 'user' | 'group' | 'servicePrincipal' | 'unknown';

export interface PrincipalRef {
  kind: PrincipalKind;
  id: string;
  displayName: string | null;
  /** Users only. */
  userPrincipalName?: string | null;
  accountEnabled?: boolean | null;
  /** Service principals only. */
  appId?: string | null;
}

/** One active or eligible assignment of a role in scope. */
export interface RoleGrant {
  roleId: string;
  activation: Activation;
  principal: PrincipalRef;
  /** `/` for tenant-wide, `/administrativeUnits/{id}` for AU-scoped. */
  directoryScopeId: string;
}

export interface DirectoryUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  accountEnabled: boolean | null;
}

export interface TenantFacts {
  tenantId: string;
  tenantName: string | null;
  /** Active and eligible grants of roles in scope (grants of other roles may be present and are ignored). */
  grants: RoleGrant[];
  /** Transitive user members of every group that holds a role in scope, by group id. */
  groupMembers: Record<string, DirectoryUser[]>;
  /** isMfaRegistered by user id; a missing id means the report has no row (unknown). */
  registrations: Record<string, boolean>;
  policies: ConditionalAccessPolicy[];
  /** Authentication strength policy ids that require MFA (built-in and custom). */
  mfaStrengthIds: string[];
  securityDefaultsEnabled: boolean | null;
  licence: Licence | null;
  secureScore: AdminMfaSecureScore | null;
  /** Display names of roles learnt from the tenant, for roles outside the built-in catalogue. */
  roleNames: Record<string, string>;
  /** Parts that could not be read, with why. */
  caveats: Caveat[];
  /** Graph HTTP requests made to read these facts. */
  graphRequests: number;
  /** ISO time the read finished. */
  readAt: string;
}
