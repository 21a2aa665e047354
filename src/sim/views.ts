/**
 * How stored objects are served: Graph's default property sets, `@odata.type` on polymorphic
 * directory objects, and what `$expand=principal` reveals under the granted permissions.
 */
import type { FixtureGroup, FixtureRegistration, FixtureUser } from './fixture';
import { PERMISSION, type Grants } from './permissions';
import type { DirectoryObject } from './state';
import type { JsonObject } from './util';

/** Properties Graph v1.0 returns for a user when no `$select` is given (accountEnabled is not one). */
const USER_DEFAULT_PROPERTIES = [
  'businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation',
  'preferredLanguage', 'surname', 'userPrincipalName', 'id',
] as const;

/**
 * A user as Graph serves it: the default property set, or every stored property when the request
 * has `$select` (so any stored property can be selected).
 */
export function userView(user: FixtureUser, selecting: boolean): JsonObject {
  if (selecting) return { ...user };
  const out: JsonObject = {};
  for (const p of USER_DEFAULT_PROPERTIES) out[p] = user[p] ?? (p === 'businessPhones' ? [] : null);
  return out;
}

export function groupView(group: FixtureGroup): JsonObject {
  const { members: _members, ...rest } = group;
  return {
    description: null, groupTypes: [], mailEnabled: false, securityEnabled: true, isAssignableToRole: null,
    ...rest,
  };
}

const ODATA_TYPE: Record<DirectoryObject['kind'], string> = {
  user: '#microsoft.graph.user',
  group: '#microsoft.graph.group',
  servicePrincipal: '#microsoft.graph.servicePrincipal',
};

/** A member of a directoryObject collection (transitiveMembers): typed, default properties. */
export function directoryObjectView(d: DirectoryObject, selecting: boolean): JsonObject {
  const body = d.kind === 'user' ? userView(d.obj, selecting) : d.kind === 'group' ? groupView(d.obj) : { ...d.obj };
  return { '@odata.type': ODATA_TYPE[d.kind], ...body };
}

/**
 * The `principal` of a role assignment or eligibility. When the app cannot read that object type,
 * only `@odata.type` and `id` come back (facts §0), so clients must cope without names.
 */
export function principalView(d: DirectoryObject | undefined, grants: Grants): JsonObject | null {
  if (!d) return null;
  const type = ODATA_TYPE[d.kind];
  const readable = d.kind === 'user' ? grants.hasAny(PERMISSION.users)
    : d.kind === 'group' ? grants.hasAny(PERMISSION.groups)
      : grants.hasAny(PERMISSION.servicePrincipals);
  if (!readable) return { '@odata.type': type, id: d.obj.id };
  switch (d.kind) {
    case 'user':
      return {
        '@odata.type': type, id: d.obj.id, displayName: d.obj.displayName, userPrincipalName: d.obj.userPrincipalName,
        accountEnabled: d.obj.accountEnabled, userType: d.obj.userType ?? 'Member', mail: d.obj.mail ?? null,
      };
    case 'group':
      return {
        '@odata.type': type, id: d.obj.id, displayName: d.obj.displayName,
        isAssignableToRole: d.obj.isAssignableToRole ?? null, securityEnabled: d.obj.securityEnabled ?? true,
      };
    case 'servicePrincipal':
      return { '@odata.type': type, id: d.obj.id, displayName: d.obj.displayName, appId: d.obj.appId };
  }
}

/** A userRegistrationDetails row; `isAdmin` is computed by the caller, never taken from the fixture. */
export function registrationView(row: FixtureRegistration, isAdmin: boolean): JsonObject {
  return {
    ...row,
    id: row.id,
    userPrincipalName: row.userPrincipalName,
    userDisplayName: row.userDisplayName,
    userType: row.userType,
    isAdmin,
    isSsprRegistered: row.isSsprRegistered,
    isSsprEnabled: row.isSsprEnabled,
    isSsprCapable: row.isSsprCapable,
    isMfaRegistered: row.isMfaRegistered,
    isMfaCapable: row.isMfaCapable ?? row.isMfaRegistered,
    isPasswordlessCapable: row.isPasswordlessCapable,
    methodsRegistered: row.methodsRegistered,
    isSystemPreferredAuthenticationMethodEnabled: row.isSystemPreferredAuthenticationMethodEnabled,
    systemPreferredAuthenticationMethods: row.systemPreferredAuthenticationMethods,
    userPreferredMethodForSecondaryAuthentication: row.userPreferredMethodForSecondaryAuthentication,
    lastUpdatedDateTime: row.lastUpdatedDateTime,
  };
}
