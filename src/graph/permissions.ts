/**
 * Least-privileged application permissions (and licences) per Graph endpoint MfaBot calls. Used to
 * turn a 403 into "grant X" and by the README's permission table.
 */

/**
 * What a permission is for. `diagnostics` covers calls only tools make (the benchmark's per-user
 * baseline), never the bot: doctor does not ask for them.
 */
export type Feature = 'status' | 'policy' | 'nudge' | 'signInImpact' | 'diagnostics';

export interface EndpointPermission {
  /** Matched against the request path without the version prefix or query. */
  pattern: RegExp;
  method: 'GET' | 'WRITE';
  permission: string;
  licence?: string;
  feature: Feature;
  what: string;
}

export const ENDPOINT_PERMISSIONS: readonly EndpointPermission[] = [
  { pattern: /^\/organization/, method: 'GET', permission: 'Organization.Read.All', feature: 'status', what: 'read the tenant name' },
  { pattern: /^\/subscribedSkus/, method: 'GET', permission: 'Organization.Read.All', feature: 'status', what: 'detect the Entra ID licence' },
  { pattern: /^\/roleManagement\/directory\/roleEligibility/, method: 'GET', permission: 'RoleEligibilitySchedule.Read.Directory', licence: 'Entra ID P2 or Entra ID Governance', feature: 'status', what: 'list PIM-eligible admins' },
  { pattern: /^\/roleManagement\/directory\//, method: 'GET', permission: 'RoleManagement.Read.Directory', feature: 'status', what: 'list active admin role assignments' },
  { pattern: /^\/groups\/[^/]+\/transitiveMembers/, method: 'GET', permission: 'GroupMember.Read.All', feature: 'status', what: 'expand role-assignable groups' },
  { pattern: /^\/reports\/authenticationMethods\/userRegistrationDetails/, method: 'GET', permission: 'AuditLog.Read.All', licence: 'Entra ID P1 or P2', feature: 'status', what: 'read MFA registration' },
  { pattern: /^\/identity\/conditionalAccess\/policies/, method: 'GET', permission: 'Policy.Read.All', licence: 'Entra ID P1', feature: 'status', what: 'read Conditional Access policies' },
  { pattern: /^\/identity\/conditionalAccess\/policies/, method: 'WRITE', permission: 'Policy.ReadWrite.ConditionalAccess', licence: 'Entra ID P1', feature: 'policy', what: 'create or enforce the Conditional Access policy' },
  { pattern: /^\/policies\/identitySecurityDefaultsEnforcementPolicy/, method: 'GET', permission: 'Policy.Read.All', feature: 'status', what: 'read security defaults' },
  { pattern: /^\/policies\/authenticationStrengthPolicies/, method: 'GET', permission: 'Policy.Read.All', feature: 'status', what: 'read authentication strengths' },
  { pattern: /^\/security\/secureScore/, method: 'GET', permission: 'SecurityEvents.Read.All', feature: 'status', what: 'read Secure Score' },
  { pattern: /^\/auditLogs\/signIns/, method: 'GET', permission: 'AuditLog.Read.All', licence: 'Entra ID P1 or P2', feature: 'signInImpact', what: 'read sign-in logs for the report-only impact' },
  { pattern: /^\/users\/[^/]+\/teamwork\/installedApps\/[^/]+\/chat/, method: 'GET', permission: 'TeamsAppInstallation.ReadForUser.All', feature: 'nudge', what: "find an admin's 1:1 chat with MfaBot" },
  { pattern: /^\/users\/[^/]+\/teamwork\/installedApps/, method: 'WRITE', permission: 'TeamsAppInstallation.ReadWriteSelfForUser.All', feature: 'nudge', what: 'install MfaBot for an admin' },
  { pattern: /^\/users\/[^/]+\/teamwork\/installedApps/, method: 'GET', permission: 'TeamsAppInstallation.ReadWriteSelfForUser.All', feature: 'nudge', what: 'check whether MfaBot is installed for an admin' },
  { pattern: /^\/appCatalogs\/teamsApps/, method: 'GET', permission: 'AppCatalog.Read.All', feature: 'nudge', what: "find MfaBot's catalog id" },
  { pattern: /^\/users\/[^/]+\/authentication\/methods/, method: 'GET', permission: 'UserAuthenticationMethod.Read.All', feature: 'diagnostics', what: "list an admin's registered methods (benchmark baseline)" },
  { pattern: /^\/users/, method: 'GET', permission: 'User.Read.All', feature: 'status', what: 'read user names' },
];

/** Strips scheme, host and version so a full URL or a relative path can be matched. */
export function graphPath(url: string): string {
  const path = url.replace(/^https?:\/\/[^/]+/i, '').split('?')[0] ?? '';
  return path.replace(/^\/(v1\.0|beta)(?=\/|$)/, '') || '/';
}

export function permissionFor(method: string, url: string): EndpointPermission | undefined {
  const kind = method.toUpperCase() === 'GET' ? 'GET' : 'WRITE';
  const path = graphPath(url);
  return ENDPOINT_PERMISSIONS.find((p) => p.method === kind && p.pattern.test(path));
}

/**
 * Higher application permissions that include a lower one: key = the permission MfaBot asks for,
 * value = granted permissions that also satisfy it (Graph's "higher privileged permissions" for the
 * endpoints behind it; facts §0–§10). Not transitive: each list is complete on its own.
 */
export const PERMISSION_SATISFIED_BY: Readonly<Record<string, readonly string[]>> = {
  'Organization.Read.All': ['Organization.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  'User.Read.All': ['User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  'GroupMember.Read.All': ['Group.Read.All', 'GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  'RoleManagement.Read.Directory': ['RoleManagement.Read.All', 'RoleManagement.ReadWrite.Directory', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  'RoleEligibilitySchedule.Read.Directory': [
    'RoleEligibilitySchedule.ReadWrite.Directory', 'RoleManagement.Read.Directory', 'RoleManagement.Read.All', 'RoleManagement.ReadWrite.Directory',
  ],
  'SecurityEvents.Read.All': ['SecurityEvents.ReadWrite.All'],
  'AppCatalog.Read.All': ['AppCatalog.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  'TeamsAppInstallation.ReadForUser.All': ['TeamsAppInstallation.ReadWriteSelfForUser.All', 'TeamsAppInstallation.ReadWriteForUser.All'],
  'TeamsAppInstallation.ReadWriteSelfForUser.All': ['TeamsAppInstallation.ReadWriteForUser.All'],
  'Directory.Read.All': ['Directory.ReadWrite.All'],
};

/** True when `granted` (a token's `roles`) holds `required` or a permission that includes it; case-insensitive. */
export function permissionSatisfied(required: string, granted: Iterable<string>): boolean {
  const have = new Set([...granted].map((p) => p.toLowerCase()));
  return [required, ...(PERMISSION_SATISFIED_BY[required] ?? [])].some((p) => have.has(p.toLowerCase()));
}

/**
 * Permissions a feature needs besides the least-privileged one of each endpoint it calls, where Graph
 * wants two at once (facts §4: creating a CA policy needs Policy.Read.All too; §8: sign-ins carry the
 * applied CA policies only with Policy.Read.All).
 */
export const FEATURE_COMPANION_PERMISSIONS: ReadonlyArray<{ feature: Feature; permission: string; what: string }> = [
  { feature: 'policy', permission: 'Policy.Read.All', what: 'create the Conditional Access policy, which Graph allows only with Policy.Read.All as well' },
  { feature: 'signInImpact', permission: 'Policy.Read.All', what: 'see which Conditional Access policies applied to each sign-in' },
];
