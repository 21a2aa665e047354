/**
 * The one table of the Microsoft Graph application permissions MfaBot needs, per feature: every
 * call it makes (and the parts of answers it needs), the permission it asks for, and the other
 * permissions Microsoft's permission map accepts for the same call (repository
 * microsoftgraph/microsoft-graph-devx-content, `permissions/new/permissions.json`; each API page on
 * learn.microsoft.com shows the same table). `mfabot doctor`, docs/permissions.md, the README's
 * table, the consent the app registration asks for (aad.manifest.json) and the Bicep output derive
 * from it; a test keeps it equal to what the simulated Graph checks.
 */

/**
 * What a permission is for. `diagnostics` covers calls only tools make (the benchmark's per-user
 * baseline), never the bot: doctor does not ask for them.
 */
export type Feature = 'status' | 'policy' | 'pim' | 'nudge' | 'signInImpact' | 'diagnostics';

export interface PermissionNeed {
  feature: Feature;
  /**
   * The call, as `METHOD /path` with `{param}` segments; null for a need that is no call of its
   * own (what Graph reveals inside answers: names, applied policies).
   */
  route: string | null;
  /** What MfaBot does with it, e.g. "list PIM-eligible admins". */
  what: string;
  /** The permission MfaBot asks for: the least privileged Microsoft's map lists, unless `because` says why not. */
  permission: string;
  /** Every other permission Microsoft's map accepts in its place. */
  alternatives: readonly string[];
  /** Needed as well, whichever of the above is granted (writing CA policies needs Policy.Read.All too). */
  alongside?: readonly string[];
  /** Why `permission` is not the map's least privileged one. */
  because?: string;
  /** The licence the data needs. */
  licence?: string;
  /** MfaBot copes without it (a name stays an id); doctor does not count it as missing. */
  optional?: boolean;
  /**
   * A change to the tenant. With writes in delegated mode (MFABOT_WRITE_MODE) MfaBot makes it with the
   * approver's own token, so the app needs no permission here: the approver's token needs `scopes`
   * (delegated, consented for MfaBot) and the approver one of `roles`, held actively.
   */
  delegated?: { scopes: readonly string[]; roles: readonly string[] };
}

/** How changes to the tenant are made: with the approver's own identity, or the app's permissions. */
export type WriteMode = 'delegated' | 'application';

/** What an approver's own token and role need to create or change a Conditional Access policy. */
export const CA_WRITER = {
  scopes: ['Policy.ReadWrite.ConditionalAccess', 'Policy.Read.All'],
  roles: ['Conditional Access Administrator', 'Security Administrator', 'Global Administrator'],
} as const;

/**
 * What an approver's own token and role need to change a role's PIM settings
 * (learn.microsoft.com/graph/api/unifiedrolemanagementpolicyrule-update: Privileged Role
 * Administrator is the least privileged role).
 */
export const PIM_WRITER = {
  scopes: ['RoleManagementPolicy.ReadWrite.Directory'],
  roles: ['Privileged Role Administrator', 'Global Administrator'],
} as const;

const P1 = 'Entra ID P1 or P2';
const CA_LICENCE = 'Entra ID P1';
const PIM_LICENCE = 'Entra ID P2 or Entra ID Governance';

const ROLE_ASSIGNMENTS = ['RoleManagement.ReadWrite.Directory', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const USER_FULL = ['User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const GROUP_MEMBERS = ['Directory.Read.All', 'Group.Read.All', 'Group.ReadBasic.All', 'Group.ReadWrite.All', 'GroupMember.Read.All', 'GroupMember.ReadWrite.All'];
const INSTALLATIONS = [
  'TeamsAppInstallation.ManageSelectedForUser.All', 'TeamsAppInstallation.ReadWriteAndConsentForUser.All',
  'TeamsAppInstallation.ReadWriteAndConsentSelfForUser.All', 'TeamsAppInstallation.ReadWriteForUser.All',
  'TeamsAppInstallation.ReadWriteSelectedForUser.All',
];
const NAMES = "read admins' names, UPNs and whether their accounts are enabled (without it Graph returns role holders and group members as ids only)";

export const PERMISSION_NEEDS: readonly PermissionNeed[] = [
  // Read-only status.
  {
    feature: 'status', route: 'GET /roleManagement/directory/roleAssignments', what: 'list active admin role assignments',
    permission: 'RoleManagement.Read.Directory', alternatives: ROLE_ASSIGNMENTS,
  },
  {
    feature: 'status', route: 'GET /roleManagement/directory/roleEligibilityScheduleInstances', what: 'list PIM-eligible admins',
    permission: 'RoleManagement.Read.Directory',
    alternatives: ['RoleEligibilitySchedule.Read.Directory', 'RoleEligibilitySchedule.ReadWrite.Directory', 'RoleManagement.Read.All', 'RoleManagement.ReadWrite.Directory'],
    because: 'it is needed for role assignments anyway; RoleEligibilitySchedule.Read.Directory alone is enough for this call',
    licence: 'Entra ID P2 or Entra ID Governance',
  },
  {
    feature: 'status', route: 'GET /groups/{id}/transitiveMembers/microsoft.graph.user', what: 'expand role-assignable groups',
    permission: 'GroupMember.ReadBasic.All', alternatives: GROUP_MEMBERS,
  },
  { feature: 'status', route: null, what: NAMES, permission: 'User.Read.All', alternatives: USER_FULL },
  {
    feature: 'status', route: 'GET /reports/authenticationMethods/userRegistrationDetails', what: 'read MFA registration',
    permission: 'AuditLog.Read.All', alternatives: [], licence: P1,
  },
  {
    feature: 'status', route: 'GET /reports/authenticationMethods/userRegistrationDetails/{id}', what: 'read MFA registration',
    permission: 'AuditLog.Read.All', alternatives: [], licence: P1,
  },
  {
    feature: 'status', route: 'GET /users/{id}/authentication/methods', what: "read admins' MFA registration from their authentication methods where the registration report cannot be read (tenants without Entra ID P1 or P2)",
    permission: 'UserAuthenticationMethod.Read.All', alternatives: ['UserAuthenticationMethod.ReadWrite.All'], optional: true,
  },
  {
    feature: 'status', route: 'GET /identity/conditionalAccess/policies', what: 'read Conditional Access policies',
    permission: 'Policy.Read.All', alternatives: [], licence: CA_LICENCE,
  },
  {
    feature: 'status', route: 'GET /identity/conditionalAccess/namedLocations', what: 'read named locations and their trust',
    permission: 'Policy.Read.All', alternatives: [], licence: CA_LICENCE,
  },
  {
    feature: 'status', route: 'GET /policies/identitySecurityDefaultsEnforcementPolicy', what: 'read security defaults',
    permission: 'Policy.Read.All', alternatives: ['Policy.ReadWrite.SecurityDefaults'],
  },
  {
    feature: 'status', route: 'GET /policies/authenticationStrengthPolicies', what: 'read authentication strengths',
    permission: 'Policy.Read.All', alternatives: ['Policy.Read.AuthenticationMethod', 'Policy.ReadWrite.AuthenticationMethod', 'Policy.ReadWrite.ConditionalAccess'],
    because: 'it is needed for Conditional Access policies anyway; Policy.Read.AuthenticationMethod alone is enough for this call',
  },
  {
    feature: 'status', route: 'GET /organization', what: 'read the tenant name',
    permission: 'User.Read.All',
    alternatives: [
      'DeviceManagementServiceConfig.Read.All', 'DeviceManagementConfiguration.Read.All', 'DeviceManagementConfiguration.ReadWrite.All',
      'DeviceManagementServiceConfig.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All', 'Organization.Read.All', 'Organization.ReadWrite.All',
    ],
    because: "it is needed for admins' names anyway; the map's least privileged option, DeviceManagementServiceConfig.Read.All, is an Intune permission",
  },
  {
    feature: 'status', route: 'GET /subscribedSkus', what: 'detect the Entra ID licence',
    permission: 'LicenseAssignment.Read.All', alternatives: ['Directory.Read.All', 'Directory.ReadWrite.All', 'Organization.Read.All', 'Organization.ReadWrite.All'],
  },
  {
    feature: 'status', route: 'GET /security/secureScores', what: 'read Secure Score (AdminMFAV2)',
    permission: 'SecurityEvents.Read.All', alternatives: ['SecurityEvents.ReadWrite.All'],
  },
  {
    feature: 'status', route: 'GET /security/secureScoreControlProfiles/{id}', what: 'read Secure Score (AdminMFAV2)',
    permission: 'SecurityEvents.Read.All', alternatives: ['SecurityEvents.ReadWrite.All'],
  },

  // Create and enforce the CA policy.
  {
    feature: 'policy', route: 'POST /identity/conditionalAccess/policies', what: 'create the "Require MFA for admin roles" policy report-only',
    permission: 'Policy.ReadWrite.ConditionalAccess', alternatives: [], alongside: ['Policy.Read.All'], licence: CA_LICENCE, delegated: CA_WRITER,
  },
  {
    feature: 'policy', route: 'PATCH /identity/conditionalAccess/policies/{id}', what: 'enforce the policy',
    permission: 'Policy.ReadWrite.ConditionalAccess', alternatives: [], alongside: ['Policy.Read.All'], licence: CA_LICENCE, delegated: CA_WRITER,
  },
  {
    feature: 'policy', route: 'GET /identity/conditionalAccess/policies/{id}', what: "find MfaBot's policy and check it again before enforcing it",
    permission: 'Policy.Read.All', alternatives: [],
  },
  {
    feature: 'policy', route: 'GET /users/{id}', what: 'check that the break-glass accounts exist and are enabled; name approvers',
    permission: 'User.Read.All', alternatives: USER_FULL,
    because: 'accountEnabled needs it; User.ReadBasic.All, the least privileged option, shows names only',
  },
  {
    feature: 'policy', route: 'GET /groups/{id}/transitiveMembers/microsoft.graph.user', what: 'find the approvers of MFABOT_APPROVER_GROUP',
    permission: 'GroupMember.ReadBasic.All', alternatives: GROUP_MEMBERS,
  },
  {
    feature: 'policy', route: 'GET /groups/{id}', what: 'name the exclusion group on the approval card',
    permission: 'GroupMember.Read.All', alternatives: ['Directory.Read.All', 'Group.Read.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'], optional: true,
  },
  {
    feature: 'policy', route: 'GET /servicePrincipals/{id}', what: 'say what a break-glass id that is no user is',
    permission: 'Application.Read.All', alternatives: ['Application.ReadWrite.OwnedBy', 'Application.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'], optional: true,
  },

  // Require MFA on PIM activation.
  {
    feature: 'pim', route: 'GET /policies/roleManagementPolicyAssignments', what: 'read PIM role settings: does activating each admin role demand MFA',
    permission: 'RoleManagement.Read.Directory', alternatives: ['RoleManagement.Read.All', 'RoleManagement.ReadWrite.Directory'],
    because: 'it is needed for role assignments anyway; the map marks RoleManagement.Read.All least privileged here',
    licence: PIM_LICENCE,
  },
  {
    feature: 'pim', route: 'GET /policies/roleManagementPolicies/{id}', what: "read a role's PIM settings again just before changing them",
    permission: 'RoleManagement.Read.Directory', alternatives: ['RoleManagement.Read.All', 'RoleManagement.ReadWrite.Directory'], licence: PIM_LICENCE,
  },
  {
    feature: 'pim', route: 'PATCH /policies/roleManagementPolicies/{policyId}/rules/{ruleId}', what: "require MFA on activation of an admin role (the role's activation rule)",
    permission: 'RoleManagementPolicy.ReadWrite.Directory', alternatives: [],
    because: "Microsoft's permission map lists this call for delegated access only; Microsoft365DSC makes it with this application permission, and `mfabot sim --fault pim-write-app-403` plays Graph refusing it",
    licence: PIM_LICENCE, delegated: PIM_WRITER,
  },

  // Nudges in 1:1 chats.
  {
    feature: 'nudge', route: 'GET /appCatalogs/teamsApps', what: "find MfaBot's id in your org's app catalog",
    permission: 'AppCatalog.Read.All', alternatives: ['AppCatalog.ReadWrite.All'],
  },
  {
    feature: 'nudge', route: 'POST /users/{id}/teamwork/installedApps', what: 'install MfaBot (itself, nothing else) for an admin',
    permission: 'TeamsAppInstallation.ReadWriteSelfForUser.All', alternatives: INSTALLATIONS,
  },
  {
    feature: 'nudge', route: 'GET /users/{id}/teamwork/installedApps', what: 'check whether MfaBot is installed for an admin',
    permission: 'TeamsAppInstallation.ReadWriteSelfForUser.All',
    alternatives: ['TeamsAppInstallation.ReadForUser.All', 'TeamsAppInstallation.Read.All', 'TeamsAppInstallation.Read.User', ...INSTALLATIONS],
    because: 'it is needed to install MfaBot anyway (the map marks it least privileged here, beside TeamsAppInstallation.ReadForUser.All)',
  },
  {
    feature: 'nudge', route: 'GET /reports/authenticationMethods/userRegistrationDetails/{id}', what: '"I\'ve registered": check one admin\'s registration',
    permission: 'AuditLog.Read.All', alternatives: [], licence: P1,
  },

  // Report-only sign-in impact.
  {
    feature: 'signInImpact', route: 'GET /auditLogs/signIns', what: 'read sign-in logs: who would be prompted once the policy is enforced, and whom it stopped after',
    permission: 'AuditLog.Read.All', alternatives: [], licence: P1,
  },
  {
    feature: 'signInImpact', route: null, what: 'see which Conditional Access policies applied to each sign-in (Graph leaves them out without it)',
    permission: 'Policy.Read.All', alternatives: ['Policy.ReadWrite.ConditionalAccess', 'Policy.Read.ConditionalAccess'],
  },

  // Tools only.
  {
    feature: 'diagnostics', route: 'GET /users/{id}/authentication/methods', what: "list an admin's registered methods (benchmark baseline)",
    permission: 'UserAuthenticationMethod.Read.All', alternatives: ['UserAuthenticationMethod.ReadWrite.All'],
  },
];

/** Every permission that satisfies a need (its own, then the alternatives). */
export function acceptedFor(need: PermissionNeed): string[] {
  return [need.permission, ...need.alternatives];
}

/** Whether `granted` (a token's `roles`, any letter case) satisfies `need`, its companions included. */
export function needSatisfied(need: PermissionNeed, granted: Iterable<string>): boolean {
  const have = new Set([...granted].map((p) => p.toLowerCase()));
  const any = (names: readonly string[]) => names.some((p) => have.has(p.toLowerCase()));
  return any(acceptedFor(need)) && (need.alongside ?? []).every((p) => have.has(p.toLowerCase()));
}

/** Strips scheme, host and version so a full URL or a relative path can be matched. */
export function graphPath(url: string): string {
  const path = url.replace(/^https?:\/\/[^/]+/i, '').split('?')[0] ?? '';
  return path.replace(/^\/(v1\.0|beta)(?=\/|$)/, '') || '/';
}

/** Whether a concrete path (`/users/abc`) fits a route's template (`/users/{id}`), letter case aside. */
export function routeMatches(template: string, path: string): boolean {
  const t = template.split('/').filter((s) => s !== '');
  const p = path.split('/').filter((s) => s !== '');
  return t.length === p.length && t.every((s, i) => (s.startsWith('{') && s.endsWith('}')) || s.toLowerCase() === (p[i] ?? '').toLowerCase());
}

/** The need behind a request (`GET`, a full URL or a relative path), for errors that name the permission. */
export function permissionFor(method: string, url: string): PermissionNeed | undefined {
  const m = method.toUpperCase();
  const path = graphPath(url);
  return PERMISSION_NEEDS.find((n) => {
    if (!n.route) return false;
    const [verb = '', template = ''] = n.route.split(' ');
    return verb === m && routeMatches(template, path);
  });
}

/** Every feature a running bot uses (diagnostics aside). */
const BOT_FEATURES: readonly Feature[] = ['status', 'policy', 'pim', 'nudge', 'signInImpact'];

/**
 * The application permissions' needs of the features a running bot uses (diagnostics aside): with
 * writes in delegated mode, the changes are the approver's and need nothing of the app.
 */
export function botNeeds(features: readonly Feature[] = BOT_FEATURES, mode: WriteMode = 'application'): PermissionNeed[] {
  return PERMISSION_NEEDS.filter((n) => features.includes(n.feature) && !(mode === 'delegated' && n.delegated));
}

/** What the approvers' own tokens need in delegated mode: the delegated scopes and the roles, sorted. */
export function delegatedNeeds(features: readonly Feature[] = BOT_FEATURES): { scopes: string[]; roles: string[] } {
  const writes = PERMISSION_NEEDS.filter((n) => features.includes(n.feature) && n.delegated);
  return {
    scopes: [...new Set(writes.flatMap((n) => n.delegated?.scopes ?? []))].sort(),
    roles: [...new Set(writes.flatMap((n) => n.delegated?.roles ?? []))],
  };
}

/**
 * Application permissions that can make the changes MfaBot makes: in delegated mode no read needs
 * them (the least privileged ones suffice), and holding them lets the app's credentials alone change
 * the tenant.
 */
export function writePermissions(): string[] {
  return [...new Set(PERMISSION_NEEDS.filter((n) => n.delegated).flatMap((n) => [n.permission, ...n.alternatives]))].sort();
}

/**
 * The permissions to grant for `features`: each need's own permission and companions, less the
 * ones another permission in the set already satisfies everywhere they are needed. Sorted.
 */
export function permissionsToGrant(features?: readonly Feature[], opts: { optional?: boolean; mode?: WriteMode } = {}): string[] {
  const needs = botNeeds(features, opts.mode).filter((n) => opts.optional || !n.optional);
  const chosen = new Set(needs.flatMap((n) => [n.permission, ...(n.alongside ?? [])]));
  for (const p of [...chosen].sort()) {
    const without = [...chosen].filter((q) => q !== p);
    if (needs.every((n) => needSatisfied(n, without))) chosen.delete(p);
  }
  return [...chosen].sort();
}

/** Every application permission the bot's features need: what `mfabot sim` grants by default. */
export function allPermissions(): string[] {
  return permissionsToGrant();
}
