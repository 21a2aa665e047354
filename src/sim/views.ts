/**
 * How stored objects are served: Graph's default property sets, `@odata.type` on polymorphic
 * directory objects, and what `$expand=principal` reveals under the granted permissions.
 */
import type { FixtureGroup, FixtureRegistration, FixtureServicePrincipal, FixtureUser } from './fixture';
import { VISIBILITY, type Grants } from './permissions';
import type { DirectoryObject } from './state';
import { ID_ONLY } from './odata/query';
import type { JsonObject } from './util';

/** Properties Graph v1.0 returns for a user when no `$select` is given (accountEnabled is not one). */
const USER_DEFAULT_PROPERTIES = [
  'businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation',
  'preferredLanguage', 'surname', 'userPrincipalName', 'id',
] as const;

/**
 * The basic profile User.ReadBasic.All reveals (learn.microsoft.com/graph/permissions-reference,
 * User.ReadBasic.All); everything else, accountEnabled and userType included, needs User.Read.All.
 */
export const USER_BASIC_PROPERTIES: readonly string[] = ['id', 'displayName', 'givenName', 'surname', 'mail', 'userPrincipalName'];

/**
 * A user as Graph serves it: the default property set, or every stored property when the request
 * has `$select` (so any stored property can be selected). With only the basic profile readable, the
 * other properties are left out.
 */
export function userView(user: FixtureUser, selecting: boolean, level: 'full' | 'basic' = 'full'): JsonObject {
  const out: JsonObject = {};
  if (selecting) Object.assign(out, user);
  else for (const p of USER_DEFAULT_PROPERTIES) out[p] = user[p] ?? (p === 'businessPhones' ? [] : null);
  if (level === 'basic') for (const key of Object.keys(out)) if (!USER_BASIC_PROPERTIES.includes(key)) delete out[key];
  return out;
}

export function groupView(group: FixtureGroup): JsonObject {
  const { members: _members, ...rest } = group;
  return {
    description: null, groupTypes: [], mailEnabled: false, securityEnabled: true, isAssignableToRole: null,
    ...rest,
  };
}

export const ODATA_TYPE: Record<DirectoryObject['kind'], string> = {
  user: '#microsoft.graph.user',
  group: '#microsoft.graph.group',
  servicePrincipal: '#microsoft.graph.servicePrincipal',
};

/**
 * A member of a directoryObject collection (transitiveMembers): typed, default properties. A user
 * is served at `userLevel` ('none': `id` and `@odata.type` only, Graph's rule for objects the app
 * cannot read).
 */
export function directoryObjectView(d: DirectoryObject, selecting: boolean, userLevel: 'full' | 'basic' | 'none' = 'full'): JsonObject {
  if (d.kind === 'user') {
    if (userLevel === 'none') return idOnly(ODATA_TYPE.user, d.obj.id);
    return { '@odata.type': ODATA_TYPE.user, ...userView(d.obj, selecting, userLevel) };
  }
  return { '@odata.type': ODATA_TYPE[d.kind], ...(d.kind === 'group' ? groupView(d.obj) : servicePrincipalView(d.obj)) };
}

/** A service principal without the simulator's own bookkeeping. */
export function servicePrincipalView(sp: FixtureServicePrincipal): JsonObject {
  return { ...sp };
}

/** A directory object the app may not read: Graph returns its type and id, nothing else. */
function idOnly(type: string, id: string): JsonObject {
  const obj: JsonObject = { '@odata.type': type, id };
  ID_ONLY.add(obj);
  return obj;
}

/**
 * The `principal` of a role assignment or eligibility. When the app cannot read that object type,
 * only `@odata.type` and `id` come back (Graph's rule for directoryObject collections and
 * expansions: learn.microsoft.com/graph/permissions-overview#limited-information-returned-for-inaccessible-member-objects),
 * so clients must cope without names.
 */
export function principalView(d: DirectoryObject | undefined, grants: Grants): JsonObject | null {
  if (!d) return null;
  const type = ODATA_TYPE[d.kind];
  const userLevel = grants.userLevel();
  const readable = d.kind === 'user' ? userLevel !== 'none'
    : d.kind === 'group' ? grants.hasAny(VISIBILITY.group)
      : grants.hasAny(VISIBILITY.servicePrincipal);
  if (!readable) return idOnly(type, d.obj.id);
  switch (d.kind) {
    case 'user':
      return userLevel === 'basic'
        ? { '@odata.type': type, id: d.obj.id, displayName: d.obj.displayName, userPrincipalName: d.obj.userPrincipalName, mail: d.obj.mail ?? null }
        : {
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

/** One property of a served userRegistrationDetails row, as `registrationView` serves it. */
function registrationValue(row: FixtureRegistration, isAdmin: boolean, key: string): unknown {
  if (key === 'isAdmin') return isAdmin;
  if (key === 'isMfaCapable') return row.isMfaCapable ?? row.isMfaRegistered;
  if (key === 'userPreferredMethodForSecondaryAuthentication') return row.userPreferredMethodForSecondaryAuthentication || null;
  return (row as Record<string, unknown>)[key];
}

/**
 * The `$select`ed properties of a userRegistrationDetails row, with the values `registrationView`
 * gives them: a page of 999 admins' two fields without building 999 whole rows first.
 */
export function registrationSelected(row: FixtureRegistration, isAdmin: boolean, select: readonly string[]): JsonObject {
  const out: JsonObject = {};
  for (const key of select) out[key] = registrationValue(row, isAdmin, key) ?? null;
  return out;
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
    // An enum (userDefaultAuthenticationMethod): no preference is null, not an empty string.
    userPreferredMethodForSecondaryAuthentication: row.userPreferredMethodForSecondaryAuthentication || null,
    lastUpdatedDateTime: row.lastUpdatedDateTime,
  };
}
