/**
 * The application permissions the simulated Graph accepts, per route, as Microsoft's permission map
 * lists them (repository microsoftgraph/microsoft-graph-devx-content, `permissions/new/permissions.json`,
 * the application scheme; each route's page on learn.microsoft.com shows the same table). The least
 * privileged permission comes first, then every other one the map accepts, and nothing else: a
 * simulator that accepts what Graph refuses would hide a missing permission until a real tenant.
 *
 * Routes the map does not list take the permissions of the page that documents them (noted below).
 */

/**
 * A requirement: every inner list must be satisfied by at least one granted permission.
 * Most routes have one inner list; writing CA policies needs two (ReadWrite + Policy.Read.All).
 */
export type PermissionRequirement = ReadonlyArray<readonly string[]>;

const TEAMS_INSTALLATION_READ = [
  'TeamsAppInstallation.ReadForUser.All', 'TeamsAppInstallation.ReadWriteSelfForUser.All', 'TeamsAppInstallation.ManageSelectedForUser.All',
  'TeamsAppInstallation.Read.All', 'TeamsAppInstallation.Read.User', 'TeamsAppInstallation.ReadWriteAndConsentForUser.All',
  'TeamsAppInstallation.ReadWriteAndConsentSelfForUser.All', 'TeamsAppInstallation.ReadWriteForUser.All',
  'TeamsAppInstallation.ReadWriteSelectedForUser.All',
];

const USERS = [
  'User.ReadBasic.All', 'User.ReadWrite.All', 'AgentIdUser.ReadWrite.All', 'AgentIdUser.ReadWrite.IdentityParentedBy',
  'DeviceManagementApps.Read.All', 'DeviceManagementApps.ReadWrite.All', 'DeviceManagementConfiguration.Read.All',
  'DeviceManagementConfiguration.ReadWrite.All', 'DeviceManagementManagedDevices.Read.All', 'DeviceManagementManagedDevices.ReadWrite.All',
  'DeviceManagementServiceConfig.Read.All', 'DeviceManagementServiceConfig.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All',
  'User.Read.All', 'User.ReadWrite.CrossCloud',
];

const ROLE_ELIGIBILITY = [
  'RoleEligibilitySchedule.Read.Directory', 'RoleEligibilitySchedule.ReadWrite.Directory', 'RoleManagement.Read.All',
  'RoleManagement.Read.Directory', 'RoleManagement.ReadWrite.Directory',
];

const SECURE_SCORE = ['SecurityEvents.Read.All', 'SecurityEvents.ReadWrite.All'];

const STRENGTHS = ['Policy.Read.AuthenticationMethod', 'Policy.Read.All', 'Policy.ReadWrite.AuthenticationMethod', 'Policy.ReadWrite.ConditionalAccess'];

/** Accepted permissions per route (the map's application column). */
export const PERMISSION = {
  organization: [
    'DeviceManagementServiceConfig.Read.All', 'DeviceManagementConfiguration.Read.All', 'DeviceManagementConfiguration.ReadWrite.All',
    'DeviceManagementServiceConfig.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All', 'Organization.Read.All',
    'Organization.ReadWrite.All', 'User.Read.All',
  ],
  users: USERS,
  /** Get group (not in the map; learn.microsoft.com/graph/api/group-get). */
  group: ['GroupMember.Read.All', 'Directory.Read.All', 'Group.Read.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'],
  /** The cast `…/transitiveMembers/microsoft.graph.user` is not in the map: it inherits the collection's. */
  transitiveMembers: [
    'GroupMember.ReadBasic.All', 'Directory.Read.All', 'Group.Read.All', 'Group.ReadBasic.All', 'Group.ReadWrite.All',
    'GroupMember.Read.All', 'GroupMember.ReadWrite.All',
  ],
  /** Get servicePrincipal (not in the map; learn.microsoft.com/graph/api/serviceprincipal-get). */
  servicePrincipal: ['Application.Read.All', 'Application.ReadWrite.OwnedBy', 'Application.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  subscribedSkus: ['LicenseAssignment.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All', 'Organization.Read.All', 'Organization.ReadWrite.All'],
  roleAssignments: ['RoleManagement.Read.Directory', 'RoleManagement.ReadWrite.Directory', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  roleDefinitions: ['RoleManagement.Read.Directory', 'RoleManagement.ReadWrite.Directory', 'Directory.Read.All', 'Directory.ReadWrite.All', 'RoleManagement.Read.All'],
  roleEligibility: ROLE_ELIGIBILITY,
  /** List role management policy assignments (PIM role settings): the map marks RoleManagement.Read.All least privileged. */
  roleManagementPolicyAssignments: ['RoleManagement.Read.All', 'RoleManagement.Read.Directory', 'RoleManagement.ReadWrite.Directory'],
  roleManagementPolicy: ['RoleManagement.Read.Directory', 'RoleManagement.Read.All', 'RoleManagement.ReadWrite.Directory'],
  /**
   * Update a role management policy rule: the map lists no application permission (delegated only);
   * Microsoft365DSC updates these rules with this one as an application permission, so it is accepted
   * here, and the fault `pim-write-app-403` plays Graph refusing application tokens.
   */
  roleManagementPolicyRuleWrite: ['RoleManagementPolicy.ReadWrite.Directory'],
  registrationReport: ['AuditLog.Read.All'],
  authenticationMethods: ['UserAuthenticationMethod.Read.All', 'UserAuthenticationMethod.ReadWrite.All'],
  /** Listing and reading CA policies: Policy.Read.All only (not Policy.Read.ConditionalAccess, not the ReadWrite scope). */
  conditionalAccessRead: ['Policy.Read.All'],
  conditionalAccessWrite: ['Policy.ReadWrite.ConditionalAccess'],
  /** Listing named locations: Policy.Read.All only. */
  namedLocations: ['Policy.Read.All'],
  securityDefaultsRead: ['Policy.Read.All', 'Policy.ReadWrite.SecurityDefaults'],
  /** Update identitySecurityDefaultsEnforcementPolicy (not in the map; its page lists these). */
  securityDefaultsWrite: ['Policy.ReadWrite.SecurityDefaults', 'Policy.ReadWrite.ConditionalAccess'],
  authenticationStrengths: STRENGTHS,
  secureScore: SECURE_SCORE,
  signIns: ['AuditLog.Read.All'],
  appCatalog: ['AppCatalog.Read.All', 'AppCatalog.ReadWrite.All'],
  installedAppsRead: TEAMS_INSTALLATION_READ,
  installedAppsWrite: [
    'TeamsAppInstallation.ReadWriteSelfForUser.All', 'TeamsAppInstallation.ManageSelectedForUser.All',
    'TeamsAppInstallation.ReadWriteAndConsentForUser.All', 'TeamsAppInstallation.ReadWriteAndConsentSelfForUser.All',
    'TeamsAppInstallation.ReadWriteForUser.All', 'TeamsAppInstallation.ReadWriteSelectedForUser.All',
  ],
  installedAppChat: [
    'TeamsAppInstallation.ReadForUser.All', 'TeamsAppInstallation.Read.All', 'TeamsAppInstallation.Read.User',
    'TeamsAppInstallation.ReadWriteForUser.All', 'TeamsAppInstallation.ReadWriteSelectedForUser.All', 'TeamsAppInstallation.ReadWriteSelfForUser.All',
  ],
} as const satisfies Record<string, readonly string[]>;

/**
 * What the granted permissions reveal of the objects Graph returns, beyond the route's own check
 * (Graph's rule for directoryObject collections and expansions: an object of a type the app cannot
 * read comes back as `id` and `@odata.type` only).
 */
export const VISIBILITY = {
  /** The full user profile, accountEnabled and userType included. */
  userFull: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  /** The basic profile: id, displayName, givenName, surname, mail, userPrincipalName. */
  userBasic: ['User.ReadBasic.All'],
  group: ['Group.Read.All', 'Group.ReadBasic.All', 'GroupMember.Read.All', 'GroupMember.ReadBasic.All', 'Group.ReadWrite.All', 'GroupMember.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  servicePrincipal: ['Application.Read.All', 'Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  /** Sign-ins carry appliedConditionalAccessPolicies only with one of these (learn.microsoft.com/graph/api/signin-list). */
  signInPolicyDetails: ['Policy.Read.All', 'Policy.ReadWrite.ConditionalAccess', 'Policy.Read.ConditionalAccess'],
  /** Installation permissions that reach every app, not only the calling app itself. */
  anyTeamsAppInstall: ['TeamsAppInstallation.ReadWriteForUser.All', 'TeamsAppInstallation.ReadWriteAndConsentForUser.All'],
  anyTeamsAppRead: [
    'TeamsAppInstallation.ReadForUser.All', 'TeamsAppInstallation.Read.All', 'TeamsAppInstallation.Read.User',
    'TeamsAppInstallation.ReadWriteForUser.All', 'TeamsAppInstallation.ReadWriteAndConsentForUser.All',
  ],
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

  /** How much of a user the app may read: the full profile, the basic one, or nothing. */
  userLevel(): 'full' | 'basic' | 'none' {
    if (this.hasAny(VISIBILITY.userFull)) return 'full';
    return this.hasAny(VISIBILITY.userBasic) ? 'basic' : 'none';
  }
}
