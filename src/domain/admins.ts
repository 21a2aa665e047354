/**
 * Who counts as an admin (README, "Who counts as an admin?"): users holding a role in scope, actively or eligibly,
 * directly or through a role-assignable group. Service principals are reported apart.
 */
import type { PrincipalRef, TenantFacts } from './facts';
import { roleInfo } from './roles';
import type { Admin, AdminRole, PrivilegedServicePrincipal } from './types';

/**
 * Orders by userPrincipalName, case-insensitively and by code unit rather than locale, so the order
 * is the same on every machine (README, "The mfabot command"); ties fall back to the object id.
 */
export function byUserPrincipalName(a: Pick<Admin, 'userPrincipalName' | 'id'>, b: Pick<Admin, 'userPrincipalName' | 'id'>): number {
  return compareText(a.userPrincipalName.toLowerCase(), b.userPrincipalName.toLowerCase()) || compareText(a.id, b.id);
}

/**
 * Builds the admin set from the grants of roles in scope.
 *
 * One Admin per user id, with one role entry per distinct (role, activation, via, group): a user who
 * is both active and eligible for a role keeps both. `mfaRegistered` is null when the registration
 * report has no row for the user, never assumed true.
 *
 * @param facts What the gateway read from the tenant.
 * @param roleIds Role template ids in scope; grants of other roles are ignored.
 * @returns Admins sorted by userPrincipalName, and service principals holding roles in scope.
 */
export function buildAdmins(
  facts: TenantFacts,
  roleIds: string[],
): { admins: Admin[]; servicePrincipals: PrivilegedServicePrincipal[] } {
  const scope = new Set(roleIds.map((id) => id.toLowerCase()));
  const admins = new Map<string, Admin>();
  const servicePrincipals = new Map<string, PrivilegedServicePrincipal>();

  const addRole = (user: UserSource, role: AdminRole): void => {
    const admin = admins.get(user.id) ?? newAdmin(user, facts.registrations);
    admins.set(user.id, admin);
    fillMissing(admin, user);
    if (!admin.roles.some((r) => sameEntry(r, role))) admin.roles.push(role);
  };

  for (const grant of facts.grants) {
    if (!scope.has(grant.roleId.toLowerCase())) continue;
    const { principal } = grant;
    switch (principal.kind) {
      case 'user':
        addRole(userFromPrincipal(principal), { roleId: grant.roleId, activation: grant.activation, via: 'direct' });
        break;
      case 'group':
        for (const member of facts.groupMembers[principal.id] ?? []) {
          addRole(member, {
            roleId: grant.roleId,
            activation: grant.activation,
            via: 'group',
            groupId: principal.id,
            ...(principal.displayName ? { groupName: principal.displayName } : {}),
          });
        }
        break;
      case 'servicePrincipal': {
        const sp = servicePrincipals.get(principal.id) ?? {
          id: principal.id,
          displayName: principal.displayName ?? principal.id,
          appId: principal.appId ?? null,
          roleIds: [],
        };
        servicePrincipals.set(principal.id, sp);
        if (!sp.roleIds.includes(grant.roleId)) sp.roleIds.push(grant.roleId);
        break;
      }
      default:
        // An unknown principal type cannot be joined to a user or an app, so it cannot be reported.
        break;
    }
  }

  for (const admin of admins.values()) admin.roles.sort(byRoleEntry(facts.roleNames));
  return {
    admins: [...admins.values()].sort(byUserPrincipalName),
    servicePrincipals: [...servicePrincipals.values()].sort(
      (a, b) => compareText(a.displayName.toLowerCase(), b.displayName.toLowerCase()) || compareText(a.id, b.id),
    ),
  };
}

/**
 * Orders admins worst first, for nudging: those not known to be registered for MFA (false and unknown
 * alike) before the registered; then by their most dangerous role; then standing (active) admins
 * before eligible-only ones; then by userPrincipalName.
 */
export function worstFirst(admins: Admin[]): Admin[] {
  const key = (a: Admin) => ({
    registered: a.mfaRegistered === true ? 1 : 0,
    rank: Math.min(...a.roles.map((r) => roleInfo(r.roleId).rank), Number.MAX_SAFE_INTEGER),
    eligibleOnly: a.roles.some((r) => r.activation === 'active') ? 0 : 1,
  });
  return [...admins].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka.registered - kb.registered || ka.rank - kb.rank || ka.eligibleOnly - kb.eligibleOnly || byUserPrincipalName(a, b);
  });
}

interface UserSource {
  id: string;
  userPrincipalName: string | null;
  displayName: string | null;
  accountEnabled: boolean | null;
  userType?: string | null;
}

function userFromPrincipal(p: PrincipalRef): UserSource {
  return {
    id: p.id,
    userPrincipalName: p.userPrincipalName ?? null,
    displayName: p.displayName,
    accountEnabled: p.accountEnabled ?? null,
    userType: p.userType ?? null,
  };
}

/** Graph's userType: "Guest" for guests; anything else (or not read) is an internal member. */
const isGuest = (userType: string | null | undefined): boolean => (userType ?? '').toLowerCase() === 'guest';

function newAdmin(user: UserSource, registrations: Record<string, boolean>): Admin {
  const registered = Object.prototype.hasOwnProperty.call(registrations, user.id) ? registrations[user.id] : undefined;
  return {
    id: user.id,
    // Without User.Read.All Graph returns only the id of an expanded principal: the id is then the
    // best handle a person can search for.
    userPrincipalName: user.userPrincipalName || user.id,
    displayName: user.displayName || user.userPrincipalName || user.id,
    accountEnabled: user.accountEnabled ?? null,
    roles: [],
    mfaRegistered: typeof registered === 'boolean' ? registered : null,
    ...(isGuest(user.userType) ? { guest: true } : {}),
  };
}

/** A later grant may carry the names an earlier, id-only principal lacked. */
function fillMissing(admin: Admin, user: UserSource): void {
  if (admin.userPrincipalName === admin.id && user.userPrincipalName) admin.userPrincipalName = user.userPrincipalName;
  if ((admin.displayName === admin.id || admin.displayName === admin.userPrincipalName) && user.displayName) {
    admin.displayName = user.displayName;
  }
  if (admin.accountEnabled === null && user.accountEnabled !== null) admin.accountEnabled = user.accountEnabled;
  if (isGuest(user.userType)) admin.guest = true;
}

function sameEntry(a: AdminRole, b: AdminRole): boolean {
  return a.roleId === b.roleId && a.activation === b.activation && a.via === b.via && a.groupId === b.groupId;
}

/** Most dangerous role first, then active before eligible, direct before group, so cards read naturally. */
function byRoleEntry(roleNames: Record<string, string>) {
  const order = (r: AdminRole) => [
    roleInfo(r.roleId, roleNames).rank,
    r.activation === 'active' ? 0 : 1,
    r.via === 'direct' ? 0 : 1,
  ];
  return (a: AdminRole, b: AdminRole): number => {
    const [oa, ob] = [order(a), order(b)];
    for (let i = 0; i < oa.length; i++) if (oa[i] !== ob[i]) return oa[i] - ob[i];
    return compareText(a.roleId, b.roleId) || compareText(a.groupId ?? '', b.groupId ?? '');
  };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
