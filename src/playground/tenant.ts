/**
 * The simulated tenant as the playground shows it: who the users are, who is an admin and who is
 * registered for MFA (computed by the bot's own status decision, `buildStatusReport`, from the same
 * facts the simulator serves, so the panel and the status card always give the same numbers), who
 * approves, who has MfaBot installed, and the Conditional Access policies. Read from the simulator's
 * `GET /_sim/tenant`, which serves its live state.
 */
import type { DirectoryUser, RoleGrant, TenantFacts } from '../domain/facts';
import { roleInfo } from '../domain/roles';
import { buildStatusReport } from '../domain/status';
import { MFABOT_TEAMS_APP_EXTERNAL_ID } from '../sim/defaults';
import type { TenantFixture } from '../sim/fixture';
import { inForce } from '../sim/handlers/roles';
import type { TenantAdmin, TenantUser, TenantView } from './protocol';

/** The Teams user id (MRI) the playground gives a user: stable, and reversible by `aadFromMri`. */
export function mriOf(aadObjectId: string): string {
  return `29:${aadObjectId.toLowerCase()}`;
}

/** The Entra object id inside a playground MRI; undefined for any other id. */
export function aadFromMri(mri: string): string | undefined {
  return /^29:[0-9a-f-]{36}$/i.test(mri) ? mri.slice(3).toLowerCase() : undefined;
}

export interface TenantViewOptions {
  /** Roles in scope (the bot's configuration). */
  roleIds: readonly string[];
  approverIds: readonly string[];
  /** Transitive members of this group approve too. */
  approverGroupId?: string | null;
  /** MfaBot's manifest id (`externalId` in the Teams app catalog); default: the one the simulated tenants use. */
  teamsAppExternalId?: string;
  /** Which PIM eligibilities are in force; default: now. */
  now?: Date;
}

type Fixture = Pick<TenantFixture,
  'organization' | 'users' | 'groups' | 'servicePrincipals' | 'roleAssignments' | 'roleEligibilitySchedules'
  | 'userRegistrationDetails' | 'conditionalAccessPolicies' | 'identitySecurityDefaultsEnforcementPolicy'>
  & Partial<Pick<TenantFixture, 'teamsApps' | 'userInstalledApps'>>;

/** The fixture's directory by id: users as the bot's facts name them, and groups' users through nesting. */
class Directory {
  readonly usersById: Map<string, Fixture['users'][number]>;
  private readonly groupsById: Map<string, Fixture['groups'][number]>;
  private readonly spIds: Set<string>;

  constructor(tenant: Fixture) {
    this.usersById = new Map(tenant.users.map((u) => [u.id.toLowerCase(), u]));
    this.groupsById = new Map(tenant.groups.map((g) => [g.id.toLowerCase(), g]));
    this.spIds = new Set(tenant.servicePrincipals.map((sp) => sp.id.toLowerCase()));
  }

  user(id: string): DirectoryUser | undefined {
    const u = this.usersById.get(id);
    return u ? { id: u.id, userPrincipalName: u.userPrincipalName, displayName: u.displayName, accountEnabled: u.accountEnabled ?? null } : undefined;
  }

  /** Users in a group, through nested groups, each once (cycles are harmless). */
  transitiveUsers(groupId: string): DirectoryUser[] {
    const seen = new Set<string>();
    const out = new Map<string, DirectoryUser>();
    const visit = (gid: string): void => {
      if (seen.has(gid)) return;
      seen.add(gid);
      for (const member of this.groupsById.get(gid)?.members ?? []) {
        const key = member.toLowerCase();
        const user = this.user(key);
        if (user) out.set(key, user);
        else if (this.groupsById.has(key)) visit(key);
      }
    };
    visit(groupId.toLowerCase());
    return [...out.values()];
  }

  /** The tenant as the status sweep would read it, as far as the panel needs: who holds which role, who is registered. */
  facts(tenant: Fixture, now: Date): TenantFacts {
    const grants: RoleGrant[] = [];
    const groupMembers: Record<string, DirectoryUser[]> = {};
    const addGrant = (principalId: string, roleId: string, activation: 'active' | 'eligible'): void => {
      const key = principalId.toLowerCase();
      const user = this.user(key);
      const group = this.groupsById.get(key);
      if (user) {
        grants.push({ roleId, activation, directoryScopeId: '/', principal: { kind: 'user', id: user.id, displayName: user.displayName, userPrincipalName: user.userPrincipalName, accountEnabled: user.accountEnabled } });
      } else if (group) {
        groupMembers[group.id] ??= this.transitiveUsers(group.id);
        grants.push({ roleId, activation, directoryScopeId: '/', principal: { kind: 'group', id: group.id, displayName: group.displayName } });
      } else if (this.spIds.has(key)) {
        grants.push({ roleId, activation, directoryScopeId: '/', principal: { kind: 'servicePrincipal', id: principalId, displayName: null } });
      }
    };
    for (const a of tenant.roleAssignments) addGrant(a.principalId, a.roleDefinitionId, 'active');
    // As the simulator serves them: eligibility in force now.
    for (const e of tenant.roleEligibilitySchedules) if (inForce(e, now.getTime())) addGrant(e.principalId, e.roleDefinitionId, 'eligible');
    const registrations: Record<string, boolean> = {};
    for (const r of tenant.userRegistrationDetails) registrations[r.id] = r.isMfaRegistered;
    return {
      tenantId: tenant.organization.id, tenantName: tenant.organization.displayName, grants, groupMembers, registrations,
      policies: [], mfaStrengthIds: [], securityDefaultsEnabled: tenant.identitySecurityDefaultsEnforcementPolicy?.isEnabled ?? null,
      licence: null, secureScore: null, roleNames: {}, caveats: [], graphRequests: 0, readAt: new Date(0).toISOString(),
    };
  }
}

/** Users MfaBot is installed for, by lower-case id. */
function botInstalls(tenant: Fixture, teamsAppExternalId: string | undefined): Set<string> {
  const externalId = (teamsAppExternalId ?? MFABOT_TEAMS_APP_EXTERNAL_ID).toLowerCase();
  const botAppIds = new Set((tenant.teamsApps ?? []).filter((a) => a.externalId?.toLowerCase() === externalId).map((a) => a.id.toLowerCase()));
  return new Set(Object.entries(tenant.userInstalledApps ?? {})
    .filter(([, apps]) => apps.some((a) => botAppIds.has(a.toLowerCase())))
    .map(([userId]) => userId.toLowerCase()));
}

/** Summarises the simulator's tenant for the picker and the side panel. */
export function tenantView(tenant: Fixture, opts: TenantViewOptions): TenantView {
  const directory = new Directory(tenant);
  const facts = directory.facts(tenant, opts.now ?? new Date());
  const report = buildStatusReport(facts, { roleIds: [...opts.roleIds], breakGlassUserIds: [], exclusionGroupId: null }, opts.now ?? new Date());
  const adminsById = new Map(report.admins.map((a) => [a.id.toLowerCase(), a]));
  const installed = botInstalls(tenant, opts.teamsAppExternalId);
  const approvers = new Set(opts.approverIds.map((id) => id.toLowerCase()));
  if (opts.approverGroupId) for (const u of directory.transitiveUsers(opts.approverGroupId)) approvers.add(u.id.toLowerCase());

  const users: TenantUser[] = tenant.users
    .filter((u) => u.accountEnabled !== false && u.userType !== 'Guest')
    .map((u) => {
      const id = u.id.toLowerCase();
      const admin = adminsById.get(id);
      return {
        id, displayName: u.displayName, userPrincipalName: u.userPrincipalName, jobTitle: typeof u.jobTitle === 'string' ? u.jobTitle : null,
        accountEnabled: true, mri: mriOf(id), isApprover: approvers.has(id), isAdmin: admin !== undefined,
        roles: admin ? [...new Set(admin.roles.map((r) => roleInfo(r.roleId).displayName))] : [],
        mfaRegistered: Object.prototype.hasOwnProperty.call(facts.registrations, u.id) ? facts.registrations[u.id] ?? null : null,
        botInstalled: installed.has(id),
      };
    })
    .sort((a, b) => rank(a) - rank(b) || a.displayName.localeCompare(b.displayName, 'en'));

  const admins: TenantAdmin[] = report.admins.map((a) => {
    const id = a.id.toLowerCase();
    return {
      id, displayName: a.displayName, userPrincipalName: a.userPrincipalName, roles: [...new Set(a.roles.map((r) => roleInfo(r.roleId).displayName))],
      mfaRegistered: a.mfaRegistered, isApprover: approvers.has(id), botInstalled: installed.has(id),
      guest: directory.usersById.get(id)?.userType === 'Guest', accountEnabled: a.accountEnabled,
    };
  }).sort((a, b) => Number(b.isApprover) - Number(a.isApprover) || a.displayName.localeCompare(b.displayName, 'en'));

  return {
    id: tenant.organization.id,
    displayName: tenant.organization.displayName,
    securityDefaultsEnabled: facts.securityDefaultsEnabled,
    policies: tenant.conditionalAccessPolicies.map((p) => ({
      id: p.id, displayName: p.displayName, state: p.state, createdDateTime: p.createdDateTime ?? null, modifiedDateTime: p.modifiedDateTime ?? null,
    })),
    users,
    admins,
    totals: report.totals,
  };
}

function rank(u: TenantUser): number {
  if (u.isApprover) return 0;
  return u.isAdmin ? 1 : 2;
}
