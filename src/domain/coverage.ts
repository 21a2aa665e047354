/**
 * Does Conditional Access enforce MFA for each admin role in scope? (README, "When does a CA policy enforce MFA for a role?")
 *
 * Pure: takes Graph-shaped policies and the declared exclusions, returns a verdict per role with every
 * gap named in words a security admin can act on. Anything the rules do not recognise counts as a
 * gap, because a false "covered" is the expensive mistake.
 */
import type {
  ConditionalAccessConditionSet,
  ConditionalAccessGrantControls,
  ConditionalAccessPolicy,
  ConditionalAccessSessionControls,
} from '@microsoft/microsoft-graph-types';
import { roleInfo } from './roles';
import type { CoverageReport, PolicyCheckSettings, PolicyGap, RoleCoverage } from './types';

/** The reason given to a role that no policy targets at all. */
export const NO_POLICY_REASON = 'no enabled policy requires MFA for this role';

const CONTROL_WORDS: Readonly<Record<string, string>> = {
  compliantDevice: 'compliant device',
  domainJoinedDevice: 'hybrid Azure AD joined device',
  approvedApplication: 'approved client app',
  compliantApplication: 'app protection policy',
  passwordChange: 'password change',
};

const CLIENT_APP_WORDS: Readonly<Record<string, string>> = {
  browser: 'browser',
  mobileAppsAndDesktopClients: 'mobile apps and desktop clients',
  exchangeActiveSync: 'Exchange ActiveSync',
  easSupported: 'Exchange ActiveSync',
  other: 'other clients',
};

/** The four client app types that together mean "all"; easSupported is folded into exchangeActiveSync. */
const ALL_CLIENT_APPS = ['browser', 'mobileAppsAndDesktopClients', 'exchangeActiveSync', 'other'];

/** Graph's spelling of each enum value, by its lower-case form. */
const spelling = (values: readonly string[]): ReadonlyMap<string, string> => new Map(values.map((v) => [v.toLowerCase(), v]));
const KNOWN_CONTROLS = spelling(['block', 'mfa', ...Object.keys(CONTROL_WORDS)]);
const KNOWN_CLIENT_APPS = spelling(['all', 'easSupported', ...ALL_CLIENT_APPS]);

const lower = (s: string): string => s.toLowerCase();
const list = <T>(value: readonly T[] | null | undefined): readonly T[] => value ?? [];
const joinIds = (ids: readonly string[]): string => ids.join(', ');
const controlWords = (control: string): string => CONTROL_WORDS[control] ?? control;

/**
 * The values of a flags enum, which Graph serialises as one comma-separated string ("a,b"); some
 * exports write an array instead. `none` means no value, so it is dropped.
 */
function flags(value: unknown): string[] {
  return flagParts(value).filter((p) => lower(p) !== 'none');
}

/** Every value written in a flags enum, `none` included. */
function flagParts(value: unknown): string[] {
  const parts = Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.split(',') : [];
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/**
 * Evaluates every policy against every role in `settings.roleIds` (README, "When does a CA policy enforce MFA for a role?").
 *
 * A role is covered when at least one policy enforces MFA for it; `coveredBy` lists them all. Every
 * policy that targets the role without enforcing MFA yields one gap whose reason lists every cause,
 * joined with "; ". A role no policy targets gets a single gap with an empty `policyId`.
 *
 * @param policies Conditional Access policies as Graph returns them.
 * @param settings Roles in scope, declared break-glass users and exclusion group, MFA strength ids.
 * @param roleNames Display names learnt from the tenant, for roles outside the built-in catalogue.
 * @returns Roles in `settings.roleIds` order, and which of them are not covered.
 */
export function evaluatePolicies(
  policies: ConditionalAccessPolicy[],
  settings: PolicyCheckSettings,
  roleNames: Record<string, string> = {},
): CoverageReport {
  const roles = settings.roleIds.map((roleId) => evaluateRole(roleId, policies, settings, roleNames));
  const uncoveredRoleIds = roles.filter((r) => !r.covered).map((r) => r.roleId);
  return { covered: uncoveredRoleIds.length === 0, uncoveredRoleIds, roles };
}

function evaluateRole(
  roleId: string,
  policies: readonly ConditionalAccessPolicy[],
  settings: PolicyCheckSettings,
  roleNames: Record<string, string>,
): RoleCoverage {
  const coveredBy: string[] = [];
  const gaps: PolicyGap[] = [];
  for (const policy of policies) {
    const target = targeting(policy, roleId);
    if (target === 'no') continue;
    const reasons = [
      ...(target === 'noneUsers' ? ['its users include "None", so it may apply to nobody'] : []),
      ...reasonsNotEnforced(policy, roleId, settings),
    ];
    const policyId = policy.id ?? '';
    // An export may list the same policy twice: it still enforces (or fails) once.
    if (reasons.length === 0) {
      if (!coveredBy.includes(policyId)) coveredBy.push(policyId);
      continue;
    }
    const reason = reasons.join('; ');
    if (!gaps.some((g) => g.policyId === policyId && g.reason === reason)) {
      gaps.push({ policyId, policyName: policy.displayName ?? '', reason });
    }
  }
  const covered = coveredBy.length > 0;
  if (!covered && gaps.length === 0) gaps.push({ policyId: '', reason: NO_POLICY_REASON });
  return { roleId, displayName: roleInfo(roleId, roleNames).displayName, covered, coveredBy, gaps };
}

/**
 * Whether a policy targets a role: it lists the role or includes all users. Policies aimed only at
 * groups or named users are ignored: group membership is not role membership, so they prove nothing
 * either way. A policy that lists the role beside `includeUsers: ["None"]` (a combination the portal
 * cannot produce) targets it without counting: it is reported as a gap rather than trusted.
 */
function targeting(policy: ConditionalAccessPolicy, roleId: string): 'yes' | 'noneUsers' | 'no' {
  const users = policy.conditions?.users;
  const includeUsers = list(users?.includeUsers).map(lower);
  const listsRole = list(users?.includeRoles).map(lower).includes(lower(roleId));
  if (includeUsers.includes('none')) return listsRole ? 'noneUsers' : 'no';
  return includeUsers.includes('all') || listsRole ? 'yes' : 'no';
}

/** Every reason this policy does not enforce MFA for the role; empty when it does. */
function reasonsNotEnforced(policy: ConditionalAccessPolicy, roleId: string, settings: PolicyCheckSettings): string[] {
  const conditions = policy.conditions ?? {};
  return [
    ...stateReasons(policy.state),
    ...(list(conditions.users?.excludeRoles).map(lower).includes(lower(roleId)) ? ['excludes this role'] : []),
    ...workloadIdentityReasons(conditions),
    ...applicationReasons(conditions),
    ...grantReasons(policy.grantControls ?? null, policy.sessionControls ?? null, settings),
    ...narrowingReasons(conditions),
    ...exclusionReasons(conditions, settings),
  ];
}

function stateReasons(state: ConditionalAccessPolicy['state']): string[] {
  switch (state) {
    case 'enabled':
      return [];
    case 'enabledForReportingButNotEnforced':
      return ['report-only: it logs but does not enforce'];
    case 'disabled':
      return ['disabled'];
    default:
      return [`its state is ${state === undefined ? 'missing' : `"${String(state)}"`}, not enabled`];
  }
}

/** A policy for workload identities (service principals) does not challenge users signing in. */
function workloadIdentityReasons(conditions: ConditionalAccessConditionSet): string[] {
  const apps = conditions.clientApplications;
  if (!apps) return [];
  const included = list(apps.includeServicePrincipals);
  if (included.length === 0 && !apps.servicePrincipalFilter) return [];
  return [`applies to workload identities (service principals${included.length > 0 ? `: ${joinIds(included)}` : ''}), not to users signing in`];
}

function applicationReasons(conditions: ConditionalAccessConditionSet): string[] {
  const apps = conditions.applications;
  const reasons: string[] = [];
  const userActions = list(apps?.includeUserActions);
  const contexts = list(apps?.includeAuthenticationContextClassReferences);
  const include = list(apps?.includeApplications);
  const exclude = list(apps?.excludeApplications);
  if (userActions.length > 0) reasons.push(`targets user actions instead of cloud apps (${joinIds(userActions)})`);
  if (contexts.length > 0) {
    reasons.push(`targets an authentication context instead of cloud apps (${joinIds(contexts)})`);
  }
  // User actions and contexts replace the app list, so an empty include list is already explained.
  if (userActions.length === 0 && contexts.length === 0 && !include.map(lower).includes('all')) {
    reasons.push(include.length === 0 ? 'covers no cloud apps' : `covers only some cloud apps (${joinIds(include)})`);
  }
  if (exclude.length > 0) reasons.push(`excludes apps (${joinIds(exclude)})`);
  if (apps?.applicationFilter) reasons.push('uses an app filter, so some cloud apps are left out');
  return reasons;
}

/** Whether the grant cannot be satisfied without MFA (README, "When does a CA policy enforce MFA for a role?"). */
function grantReasons(
  grant: ConditionalAccessGrantControls | null,
  session: ConditionalAccessSessionControls | null,
  settings: PolicyCheckSettings,
): string[] {
  // Graph's enum values are camelCase; hand-edited exports are not always, and "MFA" means mfa.
  const builtIn = list(grant?.builtInControls).map(String).map((c) => KNOWN_CONTROLS.get(lower(c)) ?? c);
  const terms = list(grant?.termsOfUse);
  const custom = list(grant?.customAuthenticationFactors);
  const strength = grant?.authenticationStrength ?? null;

  if (builtIn.includes('block')) return ['blocks access instead of requiring MFA'];

  const strengthName = strength ? `"${strength.displayName ?? strength.id ?? 'unnamed'}"` : '';
  const strengthIsMfa =
    strength !== null &&
    ((strength.id !== undefined && (settings.mfaStrengthIds ?? []).map(lower).includes(lower(strength.id))) ||
      strength.requirementsSatisfied === 'mfa');
  const requiresMfa = builtIn.includes('mfa') || strengthIsMfa;
  // Without its own requirement (an id-only reference to a strength not known here) a strength
  // cannot be shown to require MFA, nor to not require it.
  const strengthKnown = strength?.requirementsSatisfied !== undefined && strength?.requirementsSatisfied !== null;

  // Everything a user could present instead of MFA when the operator is OR.
  const others = [
    ...new Set([
      ...builtIn.filter((c) => c !== 'mfa').map(controlWords),
      ...terms.map(() => 'terms of use'),
      ...custom.map((c) => `custom control ${c}`),
      ...(strength && !strengthIsMfa ? [`authentication strength ${strengthName} that ${strengthKnown ? 'does not require' : 'is not known to require'} MFA`] : []),
    ]),
  ];

  if (!requiresMfa) {
    if (strength) return [`authentication strength ${strengthName} ${strengthKnown ? 'does not require MFA' : 'is not known to require MFA'}`];
    if (others.length > 0) return [`requires ${others.join(' or ')} instead of MFA`];
    if (session?.signInFrequency) return ['only sets sign-in frequency; it does not require MFA'];
    return ['grants access without requiring MFA'];
  }
  if (others.length === 0) return [];
  const operator = (grant?.operator ?? '').toUpperCase();
  if (operator === 'AND') return [];
  const how = operator === 'OR' ? 'the grant is OR with' : 'the grant does not say AND, so it may be satisfied by';
  return [`MFA is only one option: ${how} ${others.join(', ')}`];
}

/** Conditions that let some admin sign-ins through unchallenged (README, "When does a CA policy enforce MFA for a role?"). */
function narrowingReasons(conditions: ConditionalAccessConditionSet): string[] {
  const reasons: string[] = [];

  const clientApps = list(conditions.clientAppTypes).map(String).map((t) => KNOWN_CLIENT_APPS.get(lower(t)) ?? t);
  const normalised = new Set(clientApps.map((t) => (t === 'easSupported' ? 'exchangeActiveSync' : t)));
  const allClients = clientApps.length === 0 || normalised.has('all') || ALL_CLIENT_APPS.every((t) => normalised.has(t));
  if (!allClients) {
    const words = [...new Set(clientApps.map((t) => CLIENT_APP_WORDS[t] ?? t))];
    reasons.push(`applies only to some client apps (${words.join(', ')})`);
  }

  // An empty platform or location object is how some exports write "not configured": it narrows nothing.
  const includePlatforms = list(conditions.platforms?.includePlatforms).map(String);
  const excludePlatforms = list(conditions.platforms?.excludePlatforms).map(String);
  if (includePlatforms.length > 0 && !includePlatforms.map(lower).includes('all')) {
    reasons.push(`applies only to some platforms (${joinIds(includePlatforms)})`);
  }
  if (excludePlatforms.length > 0) reasons.push(`excludes platforms (${joinIds(excludePlatforms)})`);

  const includeLocations = list(conditions.locations?.includeLocations);
  const excludeLocations = list(conditions.locations?.excludeLocations);
  if (includeLocations.length > 0 && !includeLocations.map(lower).includes('all')) {
    reasons.push(`applies only in some locations (${joinIds(includeLocations)})`);
  }
  if (excludeLocations.length > 0) reasons.push(`excludes locations (${joinIds(excludeLocations)})`);

  const signInRisk = list(conditions.signInRiskLevels);
  if (signInRisk.length > 0) reasons.push(`applies only at some sign-in risk levels (${joinIds(signInRisk)})`);
  const userRisk = list(conditions.userRiskLevels);
  if (userRisk.length > 0) reasons.push(`applies only at some user risk levels (${joinIds(userRisk)})`);
  // Graph serialises this flags enum as one comma-separated string.
  const insiderRisk = flags(conditions.insiderRiskLevels);
  if (insiderRisk.length > 0) reasons.push(`applies only at some insider risk levels (${joinIds(insiderRisk)})`);

  const filter = conditions.devices?.deviceFilter;
  if (filter && !isUnset(filter)) {
    const mode = filter.mode === 'include' ? 'applies only to devices matching' : 'skips devices matching';
    reasons.push(`device filter: it ${mode} "${filter.rule ?? ''}"`);
  }
  reasons.push(...legacyDeviceReasons(conditions.devices as LegacyDevices | null | undefined));

  const transfer = flags(conditions.authenticationFlows?.transferMethods);
  if (transfer.length > 0) reasons.push(`applies only to some authentication flows (${joinIds(transfer)})`);

  // A condition these rules do not know may narrow the policy just the same (beta's `times`, a
  // condition Graph adds later): set, it is a gap until someone teaches the rules what it means.
  const unknown = Object.entries(conditions as Record<string, unknown>)
    .filter(([key, value]) => !KNOWN_CONDITIONS.has(key) && !key.startsWith('@odata.') && !isUnset(value))
    .map(([key]) => key);
  if (unknown.length > 0) reasons.push(`sets a condition MfaBot cannot judge (${joinIds(unknown)}), so it may not apply to every sign-in`);

  return reasons;
}

/** The conditions the rules above (and the user, app and workload-identity rules) understand. */
const KNOWN_CONDITIONS = new Set([
  'users', 'applications', 'clientApplications', 'clientAppTypes', 'platforms', 'locations', 'devices',
  'signInRiskLevels', 'userRiskLevels', 'servicePrincipalRiskLevels', 'insiderRiskLevels', 'authenticationFlows',
]);

/** Null, empty, or made only of such values: a condition that is not configured. */
function isUnset(value: unknown): boolean {
  if (value === null || value === undefined || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.entries(value).every(([k, v]) => k.startsWith('@odata.') || isUnset(v));
  return false;
}

/** The device-state condition that device filters replaced; older policies and exports still carry it. */
interface LegacyDevices {
  includeDevices?: string[] | null;
  excludeDevices?: string[] | null;
  includeDeviceStates?: string[] | null;
  excludeDeviceStates?: string[] | null;
}

function legacyDeviceReasons(devices: LegacyDevices | null | undefined): string[] {
  if (!devices) return [];
  const reasons: string[] = [];
  const include = [...list(devices.includeDevices), ...list(devices.includeDeviceStates)];
  const exclude = [...list(devices.excludeDevices), ...list(devices.excludeDeviceStates)];
  if (include.length > 0 && !include.map(lower).includes('all')) reasons.push(`applies only to some device states (${joinIds(include)})`);
  if (exclude.length > 0) reasons.push(`skips devices in some states (${joinIds(exclude)})`);
  return reasons;
}

/** Exclusions other than the declared break-glass users and exclusion group (README, "When does a CA policy enforce MFA for a role?"). */
function exclusionReasons(conditions: ConditionalAccessConditionSet, settings: PolicyCheckSettings): string[] {
  const users = conditions.users;
  const reasons: string[] = [];
  const breakGlass = new Set(settings.breakGlassUserIds.map(lower));
  const excludedUsers = list(users?.excludeUsers);
  // The legacy keyword form of excluding guests lives in excludeUsers.
  const guestKeyword = excludedUsers.some((u) => lower(u) === 'guestsorexternalusers');
  const strangers = excludedUsers.filter((u) => lower(u) !== 'guestsorexternalusers' && !breakGlass.has(lower(u)));
  if (strangers.length === 1) reasons.push(`excludes user ${strangers[0]} who is not a declared break-glass account`);
  else if (strangers.length > 1) {
    reasons.push(`excludes users ${joinIds(strangers)} who are not declared break-glass accounts`);
  }

  const sanctioned = settings.exclusionGroupId ? lower(settings.exclusionGroupId) : null;
  const groups = list(users?.excludeGroups).filter((g) => lower(g) !== sanctioned);
  if (groups.length > 0) {
    const noun = groups.length === 1 ? 'group' : 'groups';
    reasons.push(`excludes ${noun} ${joinIds(groups)} (not the declared service-account exclusion group)`);
  }

  // An exclusion object whose types are missing cannot be shown to exclude nobody: only an explicit
  // "none" can.
  const guests = users?.excludeGuestsOrExternalUsers;
  const rawTypes: unknown = guests?.guestOrExternalUserTypes;
  const guestTypes = flags(rawTypes);
  const explicitlyNone = flagParts(rawTypes).length > 0 && guestTypes.length === 0;
  if (guestTypes.length > 0) reasons.push(`excludes guest or external users (${joinIds(guestTypes)})`);
  else if (guests && !explicitlyNone) reasons.push('excludes guest or external users (which types is not stated)');
  else if (guestKeyword) reasons.push('excludes guest or external users');

  return reasons;
}
