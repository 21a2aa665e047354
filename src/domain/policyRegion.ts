/**
 * One Conditional Access policy read for coverage: whether it is on, whether its grant can be met
 * without MFA, whom it includes and excludes, and the box of the sign-in space it applies to.
 * Everything that limits the policy is kept in words, twice: as a short reason for reports ("applies
 * only to some client apps (browser)") and as what a person reads in a sentence ("covers only
 * browsers and modern clients").
 *
 * Policy properties: https://learn.microsoft.com/graph/api/resources/conditionalaccesspolicy
 */
import type { ConditionalAccessGrantControls, ConditionalAccessPolicy } from '@microsoft/microsoft-graph-types';
import {
  APP_GROUPS, APPLICATION, applicationSet, CLIENT_APP, CLIENT_APP_TYPES, conditionObject, count, listWords, LOCATION, locationSet,
  PLATFORM, PLATFORMS, RISK_LEVELS, setWords, SIGN_IN_RISK, USER_RISK, WELL_KNOWN_APPS, type AppGroup, type AtomSet,
  type Box, type SignInSpace,
} from './signInSpace';

/**
 * Built-in authentication strengths, all of which require MFA (multifactor, passwordless MFA,
 * phishing-resistant MFA): https://learn.microsoft.com/entra/identity/authentication/concept-authentication-strengths
 */
export const BUILT_IN_MFA_STRENGTH_IDS: readonly string[] = [
  '00000000-0000-0000-0000-000000000002',
  '00000000-0000-0000-0000-000000000003',
  '00000000-0000-0000-0000-000000000004',
];

/** An authentication strength policy as Graph lists it; only the requirement is read. */
export interface StrengthInput {
  id?: string;
  displayName?: string;
  requirementsSatisfied?: string | null;
}

/** Whatever the reader knows about authentication strengths and what the tenant declared. */
export interface PolicyReadContext {
  space: SignInSpace;
  /** Strength ids known to require MFA (besides the built-in ones). */
  mfaStrengthIds: ReadonlySet<string>;
  /** Strengths by lower-case id, when the tenant's list was read. */
  strengths: ReadonlyMap<string, StrengthInput>;
}

export type LimitKind = 'state' | 'workload' | 'application' | 'grant' | 'dimension' | 'unjudgeable';

/** Something that keeps a policy from protecting every sign-in, in report words. */
export interface Limit {
  kind: LimitKind;
  reason: string;
}

/** A policy's reach along one dimension of the space. */
export interface DimensionReach {
  /** The atoms it applies to: included and not excluded. */
  set: AtomSet;
  /** The atoms it includes, before exclusions. */
  included: AtomSet;
  /** What a person reads when a sign-in falls outside: "covers only browsers and modern clients". */
  outsideWords: string;
  /** … and when the sign-in was included but then excluded: "excludes trusted locations". */
  excludedWords: string;
}

/** Whom a policy includes and excludes, lower-cased. */
export interface PolicyUsers {
  includeNone: boolean;
  includeAll: boolean;
  includeUsers: ReadonlySet<string>;
  includeGroups: ReadonlySet<string>;
  includeRoles: ReadonlySet<string>;
  excludeUsers: readonly string[];
  excludeGroups: readonly string[];
  excludeRoles: ReadonlySet<string>;
  /** The legacy `GuestsOrExternalUsers` keyword in excludeUsers. */
  excludesGuestKeyword: boolean;
  /** `excludeGuestsOrExternalUsers`: the types it names ("none" dropped), or null when absent or explicitly none. */
  excludedGuestTypes: readonly string[] | null;
}

export interface PolicyRegion {
  /** Position in the input, for stable ordering. */
  index: number;
  id: string;
  name: string;
  enabled: boolean;
  /** Enabled with a grant that cannot be met without MFA (MFA, an MFA strength, or block). */
  protects: boolean;
  blocks: boolean;
  users: PolicyUsers;
  /** Everything that limits the policy, for every subject, in report order. */
  limits: readonly Limit[];
  /** The same, as a person reads it after the policy's name ("is report-only"). */
  stateWords: string | null;
  grantWords: string | null;
  /** Conditions that cannot be split into atoms; any one makes the policy contribute nothing. */
  unjudgeableWords: readonly string[];
  reach: readonly DimensionReach[];
  /** The part of the space the policy applies to. */
  box: Box;
  /** How many sign-ins (atom combinations) the box holds: big boxes are tried first. */
  volume: number;
  /** Protects, can be judged and selects some sign-ins: it covers its box for anyone it applies to. */
  canCover: boolean;
}

const lower = (s: string): string => s.toLowerCase();
const list = <T>(value: readonly T[] | null | undefined): readonly T[] => (Array.isArray(value) ? value : []);
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((x): x is string => typeof x === 'string') : []);
const joinIds = (ids: readonly string[]): string => ids.join(', ');
const isAnnotation = (key: string): boolean => key.includes('@');

/** Null, empty, or made only of such values (OData annotations aside): a condition that is not configured. */
export function isUnset(value: unknown): boolean {
  if (value === null || value === undefined || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.entries(value).every(([k, v]) => isAnnotation(k) || isUnset(v));
  return false;
}

/** The values of a flags enum: Graph writes one comma-separated string, some exports an array. */
export function flagParts(value: unknown): string[] {
  const parts = Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.split(',') : [];
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}
const flags = (value: unknown): string[] => flagParts(value).filter((p) => lower(p) !== 'none');

const CONTROL_WORDS: Readonly<Record<string, string>> = {
  compliantDevice: 'compliant device',
  domainJoinedDevice: 'hybrid Azure AD joined device',
  approvedApplication: 'approved client app',
  compliantApplication: 'app protection policy',
  passwordChange: 'password change',
};
const spelling = (values: readonly string[]): ReadonlyMap<string, string> => new Map(values.map((v) => [lower(v), v]));
const KNOWN_CONTROLS = spelling(['block', 'mfa', ...Object.keys(CONTROL_WORDS)]);
const KNOWN_CLIENT_APPS = spelling(['all', 'easSupported', ...CLIENT_APP_TYPES]);
const CLIENT_APP_WORDS: Readonly<Record<string, string>> = {
  browser: 'browser',
  mobileAppsAndDesktopClients: 'mobile apps and desktop clients',
  exchangeActiveSync: 'Exchange ActiveSync',
  easSupported: 'Exchange ActiveSync',
  other: 'other clients',
};

/** The conditions this reader understands; anything else set is a condition it cannot judge. */
const KNOWN_CONDITIONS = new Set([
  'users', 'applications', 'clientApplications', 'clientAppTypes', 'platforms', 'locations', 'devices',
  'signInRiskLevels', 'userRiskLevels', 'servicePrincipalRiskLevels', 'insiderRiskLevels', 'authenticationFlows',
]);

/** Condition objects an exporter may write as `[]`; read as absent, with a warning. */
const CONDITION_OBJECTS = ['users', 'applications', 'clientApplications', 'platforms', 'locations', 'devices', 'authenticationFlows'];

/** A policy's name for people: its display name, else its id. */
export function policyName(policy: Pick<ConditionalAccessPolicy, 'displayName' | 'id'>): string {
  return policy.displayName || policy.id || 'an unnamed policy';
}

/**
 * Reads one policy. `warnings` receives what is odd but harmless about it (an unknown state, an
 * exporter's `"locations": []`, a partner-admin exclusion).
 */
export function readPolicyRegion(policy: ConditionalAccessPolicy, index: number, ctx: PolicyReadContext, warnings: string[]): PolicyRegion {
  const name = policyName(policy);
  const conditions = (conditionObject(policy.conditions) ?? {}) as Record<string, unknown>;
  warnEmptyConditionArrays(conditions, name, warnings);

  const limits: Limit[] = [];
  const unjudgeableWords: string[] = [];
  const unjudgeable = (reason: string, words: string): void => {
    limits.push({ kind: 'unjudgeable', reason });
    unjudgeableWords.push(words);
  };

  const { enabled, stateWords } = readState(policy.state as string | undefined | null, name, limits, warnings);

  const clientApplications = conditionObject(conditions.clientApplications);
  const servicePrincipals = strings(clientApplications?.includeServicePrincipals);
  if (servicePrincipals.length > 0 || (clientApplications?.servicePrincipalFilter !== undefined && !isUnset(clientApplications.servicePrincipalFilter))) {
    limits.push({ kind: 'workload', reason: `applies to workload identities (service principals${servicePrincipals.length > 0 ? `: ${joinIds(servicePrincipals)}` : ''}), not to users signing in` });
    unjudgeableWords.push('applies to workload identities, not to people signing in');
  }

  const application = readApplications(conditions, ctx.space, limits, unjudgeable);
  const grant = readGrant(policy.grantControls ?? null, policy.sessionControls ?? null, ctx);
  if (grant.reason) limits.push({ kind: 'grant', reason: grant.reason });

  const clientApp = readClientApps(conditions, ctx.space, limits);
  const platform = readPlatforms(conditions, ctx.space, limits, unjudgeable);
  const location = readLocations(conditions, ctx.space, limits, unjudgeable);
  const signInRisk = readRisk(conditions.signInRiskLevels, SIGN_IN_RISK, ctx.space, limits);
  const userRisk = readRisk(conditions.userRiskLevels, USER_RISK, ctx.space, limits);
  readUnjudgeable(conditions, unjudgeable);

  const reach = [clientApp, platform, location, application, signInRisk, userRisk];
  const users = readUsers(conditions, name, warnings);
  const judgeable = !limits.some((l) => l.kind === 'workload' || l.kind === 'unjudgeable');
  return {
    index,
    id: policy.id ?? '',
    name,
    enabled,
    protects: enabled && grant.protects,
    blocks: grant.blocks,
    users,
    limits,
    stateWords,
    grantWords: grant.words,
    unjudgeableWords,
    reach,
    box: reach.map((r) => r.set),
    volume: reach.reduce((v, r) => v * count(r.set), 1),
    canCover: enabled && grant.protects && judgeable && reach.every((r) => r.set !== 0n),
  };
}

/** Exporters write `"locations": []` where Graph writes an object or null: harmless, but worth saying. */
function warnEmptyConditionArrays(conditions: Record<string, unknown>, name: string, warnings: string[]): void {
  for (const key of CONDITION_OBJECTS) {
    if (Array.isArray(conditions[key]) && (conditions[key] as unknown[]).length === 0) {
      warnings.push(`Policy "${name}" writes "${key}": [] where Graph writes an object; it is read as no ${key} condition.`);
    }
  }
}

/** Only an enabled policy enforces; any other state is a limit, and an unknown one a warning too. */
function readState(state: string | undefined | null, name: string, limits: Limit[], warnings: string[]): { enabled: boolean; stateWords: string | null } {
  if (state === 'enabled') return { enabled: true, stateWords: null };
  if (state === 'enabledForReportingButNotEnforced') {
    limits.push({ kind: 'state', reason: 'report-only: it logs but does not enforce' });
    return { enabled: false, stateWords: 'is report-only' };
  }
  if (state === 'disabled') {
    limits.push({ kind: 'state', reason: 'disabled' });
    return { enabled: false, stateWords: 'is disabled' };
  }
  const missing = state === undefined || state === null;
  limits.push({ kind: 'state', reason: `its state is ${missing ? 'missing' : `"${String(state)}"`}, not enabled` });
  warnings.push(`Policy "${name}" has ${missing ? 'no state' : `the state "${String(state)}"`}, which MfaBot does not know; it is judged as protecting nothing.`);
  return { enabled: false, stateWords: 'is not enabled' };
}

function readUsers(conditions: Record<string, unknown>, name: string, warnings: string[]): PolicyUsers {
  const users = conditionObject(conditions.users);
  const includeUsers = strings(users?.includeUsers).map(lower);
  const excludeUsers = strings(users?.excludeUsers).map(lower);
  const guests = conditionObject(users?.excludeGuestsOrExternalUsers);
  const rawTypes = guests?.guestOrExternalUserTypes;
  const types = flags(rawTypes);
  // Only an explicit "none" shows that the exclusion object excludes nobody.
  const explicitlyNone = flagParts(rawTypes).length > 0 && types.length === 0;
  if (types.some((t) => lower(t) === 'serviceprovider')) {
    warnings.push(`Policy "${name}" excludes service provider users (partner admins): their sign-ins are not judged here.`);
  }
  return {
    includeNone: includeUsers.includes('none'),
    includeAll: includeUsers.includes('all'),
    includeUsers: new Set(includeUsers),
    includeGroups: new Set(strings(users?.includeGroups).map(lower)),
    includeRoles: new Set(strings(users?.includeRoles).map(lower)),
    excludeUsers: excludeUsers.filter((u) => u !== 'guestsorexternalusers'),
    excludeGroups: strings(users?.excludeGroups).map(lower),
    excludeRoles: new Set(strings(users?.excludeRoles).map(lower)),
    excludesGuestKeyword: excludeUsers.includes('guestsorexternalusers'),
    excludedGuestTypes: guests && !explicitlyNone ? types : null,
  };
}

/** The grant: does it protect (cannot be met without MFA, or blocks), and if not, why. */
/**
 * Whether a policy is on and its grant cannot be met without MFA (MFA, an MFA strength, or block),
 * whatever its conditions: the cheap first question, before any sign-in space is built.
 */
export function protectsByGrant(policy: ConditionalAccessPolicy, ctx: Pick<PolicyReadContext, 'mfaStrengthIds' | 'strengths'>): boolean {
  return policy.state === 'enabled' && readGrant(policy.grantControls ?? null, policy.sessionControls ?? null, ctx).protects;
}

function readGrant(
  grant: ConditionalAccessGrantControls | null,
  session: ConditionalAccessPolicy['sessionControls'],
  ctx: Pick<PolicyReadContext, 'mfaStrengthIds' | 'strengths'>,
): { protects: boolean; blocks: boolean; reason: string | null; words: string | null } {
  // Graph's enum values are camelCase; hand-edited exports are not always, and "MFA" means mfa.
  const builtIn = list(grant?.builtInControls).map(String).map((c) => KNOWN_CONTROLS.get(lower(c)) ?? c);
  if (builtIn.includes('block')) return { protects: true, blocks: true, reason: null, words: null };

  const terms = list(grant?.termsOfUse);
  const custom = list(grant?.customAuthenticationFactors);
  const strength = grant?.authenticationStrength ?? null;
  const strengthId = strength?.id ? lower(strength.id) : null;
  const listed = strengthId ? ctx.strengths.get(strengthId) : undefined;
  const requirement = strength?.requirementsSatisfied ?? listed?.requirementsSatisfied ?? null;
  const strengthIsMfa = strength !== null && (
    (strengthId !== null && (BUILT_IN_MFA_STRENGTH_IDS.includes(strengthId) || ctx.mfaStrengthIds.has(strengthId))) || requirement === 'mfa'
  );
  // A strength known only by id cannot be shown to require MFA, nor to not require it.
  const strengthKnown = requirement !== null;
  const strengthName = strength ? `"${strength.displayName ?? listed?.displayName ?? strength.id ?? 'unnamed'}"` : '';
  const requiresMfa = builtIn.includes('mfa') || strengthIsMfa;

  // Everything a user could present instead of MFA when the operator is OR.
  const others = [...new Set([
    ...builtIn.filter((c) => c !== 'mfa').map((c) => CONTROL_WORDS[c] ?? c),
    ...terms.map(() => 'terms of use'),
    ...custom.map((c) => `custom control ${c}`),
    ...(strength && !strengthIsMfa ? [`authentication strength ${strengthName} that ${strengthKnown ? 'does not require' : 'is not known to require'} MFA`] : []),
  ])];

  const no = (reason: string, words: string) => ({ protects: false, blocks: false, reason, words });
  if (!requiresMfa) {
    if (strength) {
      const how = strengthKnown ? 'does not require MFA' : 'is not known to require MFA';
      return no(`authentication strength ${strengthName} ${how}`, `requires authentication strength ${strengthName}, which ${how}`);
    }
    if (others.length > 0) return no(`requires ${others.join(' or ')} instead of MFA`, `requires ${others.join(' or ')}, not MFA`);
    if (session?.signInFrequency) return no('only sets sign-in frequency; it does not require MFA', 'only sets how often to sign in, not MFA');
    return no('grants access without requiring MFA', 'does not require MFA');
  }
  if (others.length === 0) return { protects: true, blocks: false, reason: null, words: null };
  const operator = (grant?.operator ?? '').toUpperCase();
  if (operator === 'AND') return { protects: true, blocks: false, reason: null, words: null };
  const how = operator === 'OR' ? 'the grant is OR with' : 'the grant does not say AND, so it may be satisfied by';
  return no(`MFA is only one option: ${how} ${others.join(', ')}`, `accepts ${others.join(' or ')} instead of MFA`);
}

function reachOf(space: SignInSpace, d: number, included: AtomSet, excluded: AtomSet, outsideWords: string, excludedWords: string): DimensionReach {
  return { set: included & ~excluded & (space.full[d] as AtomSet), included, outsideWords, excludedWords };
}

function readApplications(
  conditions: Record<string, unknown>,
  space: SignInSpace,
  limits: Limit[],
  unjudgeable: (reason: string, words: string) => void,
): DimensionReach {
  const apps = conditionObject(conditions.applications);
  const userActions = strings(apps?.includeUserActions);
  const contexts = strings(apps?.includeAuthenticationContextClassReferences);
  const include = strings(apps?.includeApplications);
  const exclude = strings(apps?.excludeApplications);
  const push = (reason: string) => limits.push({ kind: 'application', reason });
  if (userActions.length > 0) push(`targets user actions instead of cloud apps (${joinIds(userActions)})`);
  if (contexts.length > 0) push(`targets an authentication context instead of cloud apps (${joinIds(contexts)})`);
  // User actions and contexts replace the app list, so an empty include list is already explained.
  const replaced = userActions.length > 0 || contexts.length > 0;
  if (!replaced && !include.map(lower).includes('all')) {
    push(include.length === 0 ? 'covers no cloud apps' : `covers only some cloud apps (${joinIds(include)})`);
  }
  if (exclude.length > 0) push(`excludes apps (${joinIds(exclude)})`);
  if (apps?.applicationFilter !== undefined && !isUnset(apps.applicationFilter)) {
    unjudgeable('uses an app filter, so some cloud apps are left out', 'uses an app filter, which MfaBot cannot judge');
  }

  const included = replaced ? 0n : applicationSet(space, include, 'include').set;
  const excluded = applicationSet(space, exclude, 'exclude');
  if (excluded.unknown.some((v) => !/^[0-9a-f-]{36}$/i.test(v))) {
    unjudgeable(`excludes apps MfaBot does not know (${joinIds(excluded.unknown)})`, `excludes apps MfaBot does not know (${joinIds(excluded.unknown)})`);
  }
  const outside = userActions.length > 0
    ? 'targets user actions, not apps'
    : contexts.length > 0
      ? 'targets an authentication context, not apps'
      : included === 0n ? 'covers no apps' : `covers only ${readableApps(include)}`;
  return reachOf(space, APPLICATION, included, excluded.set, outside, `excludes ${readableApps(exclude)}`);
}

function readableApps(values: readonly string[]): string {
  return listWords(values.map((v) => {
    const key = lower(v);
    return key in APP_GROUPS ? APP_GROUPS[key as AppGroup].words : WELL_KNOWN_APPS[key]?.name ?? v;
  }));
}

function readClientApps(conditions: Record<string, unknown>, space: SignInSpace, limits: Limit[]): DimensionReach {
  const clientApps = strings(conditions.clientAppTypes).map((t) => KNOWN_CLIENT_APPS.get(lower(t)) ?? t);
  const normalised = new Set(clientApps.map((t) => (t === 'easSupported' ? 'exchangeActiveSync' : t)));
  const all = clientApps.length === 0 || normalised.has('all');
  let included = 0n;
  CLIENT_APP_TYPES.forEach((t, i) => {
    if (all || normalised.has(t)) included |= 1n << BigInt(i);
  });
  if (included !== space.full[CLIENT_APP]) {
    const words = [...new Set(clientApps.map((t) => CLIENT_APP_WORDS[t] ?? t))];
    limits.push({ kind: 'dimension', reason: `applies only to some client apps (${words.join(', ')})` });
  }
  return reachOf(space, CLIENT_APP, included, 0n, included === 0n ? 'covers no client apps' : `covers only ${setWords(space, CLIENT_APP, included)}`, '');
}

function readPlatforms(
  conditions: Record<string, unknown>,
  space: SignInSpace,
  limits: Limit[],
  unjudgeable: (reason: string, words: string) => void,
): DimensionReach {
  const platforms = conditionObject(conditions.platforms);
  const include = strings(platforms?.includePlatforms);
  const exclude = strings(platforms?.excludePlatforms);
  const pick = (values: readonly string[]): { set: AtomSet; unknown: string[] } => {
    let set = 0n;
    const unknown: string[] = [];
    for (const v of values) {
      const i = PLATFORMS.findIndex((p) => lower(p) === lower(v));
      if (lower(v) === 'all') set |= space.full[PLATFORM] as AtomSet;
      // "unknown" is a platform of the space but not a value a policy may name: only "all" covers it.
      else if (i >= 0 && PLATFORMS[i] !== 'unknown') set |= 1n << BigInt(i);
      else unknown.push(v);
    }
    return { set, unknown };
  };
  // No platforms, or an empty object: not configured, every platform.
  const included = include.length === 0 && exclude.length === 0 ? (space.full[PLATFORM] as AtomSet) : pick(include).set;
  const excluded = pick(exclude);
  if (include.length > 0 && !include.map(lower).includes('all')) limits.push({ kind: 'dimension', reason: `applies only to some platforms (${joinIds(include)})` });
  if (exclude.length > 0) limits.push({ kind: 'dimension', reason: `excludes platforms (${joinIds(exclude)})` });
  if (include.length === 0 && exclude.length > 0) {
    unjudgeable('excludes platforms without including any, so it may apply to none', 'excludes platforms without including any');
  }
  if (excluded.unknown.length > 0) {
    unjudgeable(`excludes platforms MfaBot does not know (${joinIds(excluded.unknown)})`, `excludes platforms MfaBot does not know (${joinIds(excluded.unknown)})`);
  }
  return reachOf(space, PLATFORM, included, excluded.set, `covers only ${setWords(space, PLATFORM, included) || 'no platform'}`, `excludes ${setWords(space, PLATFORM, excluded.set)}`);
}

function readLocations(
  conditions: Record<string, unknown>,
  space: SignInSpace,
  limits: Limit[],
  unjudgeable: (reason: string, words: string) => void,
): DimensionReach {
  const locations = conditionObject(conditions.locations);
  const include = strings(locations?.includeLocations);
  const exclude = strings(locations?.excludeLocations);
  const included = include.length === 0 && exclude.length === 0 ? (space.full[LOCATION] as AtomSet) : locationSet(space, include, 'include').set;
  const excluded = locationSet(space, exclude, 'exclude');
  // Named locations by their names where the tenant's list gave them, else by id.
  const named = (values: readonly string[]): string => values.map((v) => {
    const index = space.locationIndex.get(lower(v));
    const atom = index === undefined ? undefined : space.atoms[LOCATION]?.[index];
    return atom && atom.words.startsWith('"') ? atom.words : v;
  }).join(', ');
  if (include.length > 0 && !include.map(lower).includes('all')) limits.push({ kind: 'dimension', reason: `applies only in some locations (${named(include)})` });
  if (exclude.length > 0) limits.push({ kind: 'dimension', reason: `excludes locations (${named(exclude)})` });
  if (include.length === 0 && exclude.length > 0) {
    unjudgeable('excludes locations without including any, so it may apply to none', 'excludes locations without including any');
  }
  if (excluded.unknown.length > 0) {
    unjudgeable(`excludes locations MfaBot does not know (${joinIds(excluded.unknown)})`, `excludes locations MfaBot does not know (${joinIds(excluded.unknown)})`);
  }
  const words = (values: readonly string[]): string => values.map((v) => {
    const key = lower(v);
    if (key === 'alltrusted') return 'trusted locations';
    if (key === 'all') return 'all locations';
    const index = space.locationIndex.get(key);
    return index === undefined ? v : (space.atoms[LOCATION]?.[index]?.words ?? v);
  }).join(', ');
  return reachOf(space, LOCATION, included, excluded.set, `covers only ${words(include) || 'no location'}`, `excludes ${words(exclude)}`);
}

function readRisk(value: unknown, d: number, space: SignInSpace, limits: Limit[]): DimensionReach {
  const levels = strings(value);
  const kind = d === SIGN_IN_RISK ? 'sign-in' : 'user';
  if (levels.length === 0) return reachOf(space, d, space.full[d] as AtomSet, 0n, '', '');
  let included = 0n;
  // Levels MfaBot does not know ("hidden") select nothing it can name: read narrowly.
  for (const level of levels) {
    const i = RISK_LEVELS.findIndex((r) => r === lower(level));
    if (i >= 0) included |= 1n << BigInt(i);
  }
  limits.push({ kind: 'dimension', reason: `applies only at some ${kind} risk levels (${joinIds(levels)})` });
  return reachOf(space, d, included, 0n, included === 0n ? `applies at no ${kind} risk level MfaBot knows` : `applies only at ${setWords(space, d, included)}`, '');
}

/** Conditions that cannot be split into atoms: device filters, flows, insider risk, unknown keys. */
function readUnjudgeable(conditions: Record<string, unknown>, unjudgeable: (reason: string, words: string) => void): void {
  const insiderRisk = flags(conditions.insiderRiskLevels);
  if (insiderRisk.length > 0) {
    unjudgeable(`applies only at some insider risk levels (${joinIds(insiderRisk)})`, 'depends on insider risk, which MfaBot cannot judge');
  }
  const devices = conditionObject(conditions.devices);
  const filter = conditionObject(devices?.deviceFilter);
  if (filter && !isUnset(filter)) {
    const mode = filter.mode === 'include' ? 'applies only to devices matching' : 'skips devices matching';
    unjudgeable(`device filter: it ${mode} "${typeof filter.rule === 'string' ? filter.rule : ''}"`, 'uses a device filter, which MfaBot cannot judge');
  }
  // The device-state condition that device filters replaced; older policies and exports still carry it.
  const include = [...strings(devices?.includeDevices), ...strings(devices?.includeDeviceStates)];
  const exclude = [...strings(devices?.excludeDevices), ...strings(devices?.excludeDeviceStates)];
  if (include.length > 0 && !include.map(lower).includes('all')) {
    unjudgeable(`applies only to some device states (${joinIds(include)})`, 'depends on device states, which MfaBot cannot judge');
  }
  if (exclude.length > 0) unjudgeable(`skips devices in some states (${joinIds(exclude)})`, 'skips devices in some states, which MfaBot cannot judge');

  const transfer = flags(conditionObject(conditions.authenticationFlows)?.transferMethods);
  if (transfer.length > 0) {
    unjudgeable(`applies only to some authentication flows (${joinIds(transfer)})`, 'applies only to some authentication flows, which MfaBot cannot judge');
  }
  // A condition these rules do not know may narrow the policy just the same (beta's `times`, a
  // condition Graph adds later): set, it contributes nothing until someone teaches the rules.
  const unknown = Object.entries(conditions)
    .filter(([key, value]) => !KNOWN_CONDITIONS.has(key) && !isAnnotation(key) && !isUnset(value))
    .map(([key]) => key);
  if (unknown.length > 0) {
    unjudgeable(`sets a condition MfaBot cannot judge (${joinIds(unknown)}), so it may not apply to every sign-in`, `sets a condition MfaBot cannot judge (${joinIds(unknown)})`);
  }
}
