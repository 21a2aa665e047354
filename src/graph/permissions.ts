/**
 * Least-privileged application permissions (and licences) per Graph endpoint MfaBot calls. Used to
 * turn a 403 into "grant X" and by the README's permission table.
 */

export type Feature = 'status' | 'policy' | 'nudge' | 'signInImpact';

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
