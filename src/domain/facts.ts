/**
 * What the gateway reads from a tenant, normalised: the input of every status decision.
 * Built by `graph/` from Graph DTOs (or by tests by hand); consumed by pure functions in `domain/`.
 */
import type { PimRolePolicy } from './pim';
import type { NamedLocationInput } from './signInSpace';
import type { AdminMfaSecureScore, Caveat, ConditionalAccessPolicy, Licence, Activation } from './types';

export type PrincipalKind = 'user' | 'group' | 'servicePrincipal' | 'unknown';

export interface PrincipalRef {
  kind: PrincipalKind;
  id: string;
  displayName: string | null;
  /** Users only. */
  userPrincipalName?: string | null;
  accountEnabled?: boolean | null;
  /** Users only: Graph's userType ("Member", "Guest"), when the app may read it. */
  userType?: string | null;
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
  /** Graph's userType ("Member", "Guest"), when read. */
  userType?: string | null;
}

/** The transitive user members of a group whose membership can change a Conditional Access verdict. */
export interface GroupMembership {
  /** Member user ids, lower case: every one when `complete`, else those read before stopping. */
  memberIds: string[];
  /** False when the members could not all be read (more than MfaBot reads, or the read failed). */
  complete: boolean;
}

/** What reading those groups cost, for the benchmark. */
export interface MembershipReads {
  groups: number;
  /** GET requests (pages), most of them inside `$batch`. */
  requests: number;
  /** Groups whose members could not all be read. */
  incomplete: number;
}

/** Where MFA registration states came from. */
export type RegistrationSource = 'registrationReport' | 'authenticationMethods';

export interface TenantFacts {
  tenantId: string;
  tenantName: string | null;
  /** Active and eligible grants of roles in scope (grants of other roles may be present and are ignored). */
  grants: RoleGrant[];
  /** Transitive user members of every group that holds a role in scope, by group id. */
  groupMembers: Record<string, DirectoryUser[]>;
  /** isMfaRegistered by user id; a missing id means the report has no row (unknown). */
  registrations: Record<string, boolean>;
  /**
   * Where `registrations` came from: the registration report, or (on tenants whose licence keeps the
   * report closed) each admin's authentication methods; null when neither could be read.
   */
  registrationSource?: RegistrationSource | null;
  /**
   * PIM's settings of every directory role (the policy assigned to each role, with its rules); null
   * when they could not be read (no Entra ID P2, no permission), `pimUnreadable` then says why.
   */
  pimSettings?: PimRolePolicy[] | null;
  pimUnreadable?: string;
  policies: ConditionalAccessPolicy[];
  /**
   * Members of the groups Conditional Access policies or the declared exclusions name (groupsToRead),
   * by lower-case group id. A group that matters and is missing here, or is incomplete, leaves its
   * membership unknown, and the coverage verdict never counts on it.
   */
  groupMembership?: Record<string, GroupMembership>;
  membershipReads?: MembershipReads;
  /** The tenant's named locations, for their trust; null or absent when they could not be read. */
  namedLocations?: NamedLocationInput[] | null;
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
