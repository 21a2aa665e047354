/**
 * TenantFacts straight from a tenant fixture, without the simulator: what the gateway would read,
 * for tests that need a large report synchronously (the card catalogue). Group memberships are the
 * fixture's, transitively and complete; the gateway's own reading is tested against the simulator.
 */
import type { DirectoryUser, GroupMembership, RoleGrant, TenantFacts } from '../../src/domain/facts';
import type { TenantFixture } from '../../src/sim/fixture';

export function factsFromFixture(tenant: TenantFixture, now: Date): TenantFacts {
  const lower = (s: string): string => s.toLowerCase();
  const users = new Map(tenant.users.map((u) => [lower(u.id), u]));
  const groups = new Map(tenant.groups.map((g) => [lower(g.id), g]));
  const sps = new Map(tenant.servicePrincipals.map((sp) => [lower(sp.id), sp]));
  const directoryUser = (id: string): DirectoryUser | undefined => {
    const u = users.get(id);
    return u && { id: lower(u.id), userPrincipalName: u.userPrincipalName, displayName: u.displayName, accountEnabled: u.accountEnabled ?? null, userType: u.userType ?? null };
  };
  const transitive = (groupId: string): DirectoryUser[] => {
    const seen = new Set<string>();
    const out = new Map<string, DirectoryUser>();
    const visit = (gid: string): void => {
      if (seen.has(gid)) return;
      seen.add(gid);
      for (const m of groups.get(gid)?.members ?? []) {
        const user = directoryUser(lower(m));
        if (user) out.set(user.id, user);
        else visit(lower(m));
      }
    };
    visit(lower(groupId));
    return [...out.values()];
  };

  const grants: RoleGrant[] = [];
  const groupMembers: Record<string, DirectoryUser[]> = {};
  const grant = (principalId: string, roleId: string, activation: 'active' | 'eligible'): void => {
    const id = lower(principalId);
    const user = directoryUser(id);
    const group = groups.get(id);
    const sp = sps.get(id);
    const base = { roleId: lower(roleId), activation, directoryScopeId: '/' };
    if (user) grants.push({ ...base, principal: { kind: 'user', ...user } });
    else if (group) {
      groupMembers[id] ??= transitive(id);
      grants.push({ ...base, principal: { kind: 'group', id, displayName: group.displayName } });
    } else if (sp) grants.push({ ...base, principal: { kind: 'servicePrincipal', id, displayName: sp.displayName, appId: sp.appId } });
  };
  for (const a of tenant.roleAssignments) grant(a.principalId, a.roleDefinitionId, 'active');
  for (const e of tenant.roleEligibilitySchedules) {
    const end = e.endDateTime ? Date.parse(e.endDateTime) : Number.POSITIVE_INFINITY;
    if (end > now.getTime()) grant(e.principalId, e.roleDefinitionId, 'eligible');
  }

  const groupMembership: Record<string, GroupMembership> = {};
  for (const g of tenant.groups) groupMembership[lower(g.id)] = { memberIds: transitive(g.id).map((u) => u.id), complete: true };
  const registrations: Record<string, boolean> = {};
  for (const r of tenant.userRegistrationDetails) registrations[lower(r.id)] = r.isMfaRegistered;

  return {
    tenantId: tenant.organization.id,
    tenantName: tenant.organization.displayName,
    grants,
    groupMembers,
    registrations,
    policies: tenant.conditionalAccessPolicies,
    groupMembership,
    namedLocations: tenant.namedLocations,
    mfaStrengthIds: tenant.authenticationStrengthPolicies.filter((s) => s.requirementsSatisfied === 'mfa').map((s) => s.id),
    securityDefaultsEnabled: tenant.identitySecurityDefaultsEnforcementPolicy.isEnabled,
    licence: 'p2',
    secureScore: null,
    roleNames: {},
    caveats: [],
    graphRequests: 0,
    readAt: now.toISOString(),
  };
}
