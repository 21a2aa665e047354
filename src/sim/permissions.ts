/**
 * Application permissions the simulator demands, per facts §0: each endpoint lists its least
 * privileged permission first, then the higher ones that also satisfy it.
 */

/**
 * A requirement: every inner list must be satisfied by at least one granted permission.
 * Most endpoints have one inner list; writing CA policies needs two (ReadWrite + Policy.Read.All).
 */
export type PermissionRequirement = ReadonlyArray<readonly string[]>;

const DIRECTORY_READ = ['Directory.Read.All', 'Directory.ReadWrite.All'];

export const PERMISSION = {
  organization: ['Organization.Read.All', 'Organization.ReadWrite.All', ...DIRECTORY_READ],
  users: ['User.Read.All', 'User.ReadWrite.All', ...DIRECTORY_READ],
  groups: ['Group.Read.All', 'GroupMember.Read.All', 'Group.ReadWrite.All', 'GroupMember.ReadWrite.All', ...DIRECTORY_READ],
  groupMembers: ['GroupMember.Read.All', 'Group.Read.All', 'GroupMember.ReadWrite.All', 'Group.ReadWrite.All', ...DIRECTORY_READ],
  servicePrincipals: ['Application.Read.All', 'Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy', ...DIRECTORY_READ],
  roleManagement: ['RoleManagement.Read.Directory', 'RoleManagement.Read.All', 'RoleManagement.ReadWrite.Directory', ...DIRECTORY_READ],
  roleEligibility: [
    'RoleEligibilitySchedule.Read.Directory', 'RoleEligibilitySchedule.ReadWrite.Directory',
    'RoleManagement.Read.Directory', 'RoleManagement.Read.All', 'RoleManagement.ReadWrite.Directory',
  ],
  registrationReport: ['AuditLog.Read.All', 'UserAuthenticationMethod.Read.All', 'UserAuthenticationMethod.ReadWrite.All'],
  authenticationMethods: ['UserAuthenticationMethod.Read.All', 'UserAuthenticationMethod.ReadWrite.All'],
  policyRead: ['Policy.Read.All', 'Policy.Read.ConditionalAccess', 'Policy.ReadWrite.ConditionalAccess'],
  conditionalAccessWrite: ['Policy.ReadWrite.ConditionalAccess'],
  securityDefaultsRead: ['Policy.Read.All', 'Policy.ReadWrite.SecurityDefaults', 'Policy.ReadWrite.ConditionalAccess'],
  securityDefaultsWrite: ['Policy.ReadWrite.SecurityDefaults', 'Policy.ReadWrite.ConditionalAccess'],
  authenticationStrengths: ['Policy.Read.All', 'Policy.ReadWrite.AuthenticationMethod', 'Policy.ReadWrite.ConditionalAccess'],
  subscribedSkus: ['Organization.Read.All', 'Organization.ReadWrite.All', 'LicenseAssignment.Read.All', ...DIRECTORY_READ],
  secureScore: ['SecurityEvents.Read.All', 'SecurityEvents.ReadWrite.All'],
  signIns: ['AuditLog.Read.All'],
  appCatalog: ['AppCatalog.Read.All', 'AppCatalog.ReadWrite.All', ...DIRECTORY_READ],
  installedAppsRead: [
    'TeamsAppInstallation.ReadForUser.All', 'TeamsAppInstallation.ReadWriteSelfForUser.All',
    'TeamsAppInstallation.ReadWriteForUser.All',
  ],
  installedAppsWrite: ['TeamsAppInstallation.ReadWriteSelfForUser.All', 'TeamsAppInstallation.ReadWriteForUser.All'],
  /** Needed for signIns to carry appliedConditionalAccessPolicies (facts §8). */
  signInPolicyDetails: ['Policy.Read.All', 'Policy.Read.ConditionalAccess', 'Policy.ReadWrite.ConditionalAccess'],
} as const satisfies Record<string, readonly string[]>;

/** What the app was granted: every permission, or a fixed list (case-insensitive). */
export class Grants {
  private readonly granted: ReadonlySet<string> | 'all';
  private readonly names: readonly string[] | 'all';

  constructor(granted: readonly string[] | 'all') {
    this.granted = granted === 'all' ? 'all' : new Set(granted.map((p) => p.toLowerCase()));
    this.names = granted === 'all' ? 'all' : [...new Set(granted)];
  }

  /** The grants as a token's `roles` claim lists them; 'all' lists every permission the simulator checks. */
  roles(): string[] {
    if (this.names === 'all') return [...new Set<string>(Object.values(PERMISSION).flat())].sort();
    return [...this.names].sort();
  }

  /** True when any of `permissions` is granted. */
  hasAny(permissions: readonly string[]): boolean {
    if (this.granted === 'all') return true;
    const set = this.granted;
    return permissions.some((p) => set.has(p.toLowerCase()));
  }

  satisfies(requirement: PermissionRequirement): boolean {
    return requirement.every((anyOf) => this.hasAny(anyOf));
  }
}
