/**
 * The Conditional Access policy MfaBot creates, built from configuration only (never from card data),
 * and the checks that it would do what it promises: enforce MFA for every role in scope, excluding
 * exactly the declared break-glass accounts and service-account group.
 */
import type { ConditionalAccessPolicy } from '@microsoft/microsoft-graph-types';
import { evaluatePolicies } from './coverage';
import { roleInfo, byRank } from './roles';

/** The display name MfaBot's policy carries; also how MfaBot finds it again in the tenant. */
export const POLICY_DISPLAY_NAME = 'MfaBot - Require MFA for admin roles';

export const REPORT_ONLY = 'enabledForReportingButNotEnforced';

/** What the policy is built from. */
export interface PolicyDraftSettings {
  /** Role template ids in scope. */
  roleIds: readonly string[];
  breakGlassUserIds: readonly string[];
  /** Sanctioned exclusion groups (service accounts). */
  exclusionGroupIds: readonly string[];
  /** An authentication strength to require instead of the built-in `mfa` control. */
  authenticationStrengthId: string | null;
}

/**
 * The POST body for `/identity/conditionalAccess/policies`: exactly the properties MfaBot sets. Graph
 * echoes every other property with its default.
 */
export interface PolicyDraft {
  displayName: string;
  state: 'enabledForReportingButNotEnforced';
  conditions: {
    clientAppTypes: ['all'];
    applications: { includeApplications: ['All'] };
    users: {
      includeRoles: string[];
      excludeUsers: string[];
      excludeGroups: string[];
    };
  };
  grantControls:
    | { operator: 'OR'; builtInControls: ['mfa'] }
    | { operator: 'OR'; builtInControls: []; authenticationStrength: { id: string } };
}

const sortedUnique = (ids: readonly string[]): string[] => [...new Set(ids.map((id) => id.toLowerCase()))].sort();

/** Builds the report-only policy from settings. Deterministic: the same settings give the same draft. */
export function buildPolicyDraft(settings: PolicyDraftSettings): PolicyDraft {
  const roles = [...new Set(settings.roleIds.map((id) => id.toLowerCase()))]
    .map((id) => roleInfo(id))
    .sort(byRank)
    .map((r) => r.id);
  return {
    displayName: POLICY_DISPLAY_NAME,
    state: REPORT_ONLY,
    conditions: {
      clientAppTypes: ['all'],
      applications: { includeApplications: ['All'] },
      users: {
        includeRoles: roles,
        excludeUsers: sortedUnique(settings.breakGlassUserIds),
        excludeGroups: sortedUnique(settings.exclusionGroupIds),
      },
    },
    grantControls: settings.authenticationStrengthId
      ? { operator: 'OR', builtInControls: [], authenticationStrength: { id: settings.authenticationStrengthId.toLowerCase() } }
      : { operator: 'OR', builtInControls: ['mfa'] },
  };
}

export interface DraftVerdict {
  ok: boolean;
  /** Roles in scope the draft, once enabled, would still not cover; each with the reason. */
  problems: string[];
}

/** The coverage rules on one policy alone, as if it were enabled (what it will do once switched on). */
function judgeAsEnabled(policy: ConditionalAccessPolicy, settings: PolicyDraftSettings, mfaStrengthIds: readonly string[]) {
  return evaluatePolicies([{ ...structuredClone(policy), state: 'enabled' } as ConditionalAccessPolicy], {
    roleIds: [...settings.roleIds],
    breakGlassUserIds: [...settings.breakGlassUserIds],
    exclusionGroupId: null,
    exclusionGroupIds: [...settings.exclusionGroupIds],
    mfaStrengthIds: [...mfaStrengthIds],
  });
}

/**
 * Runs the coverage rules on the draft as if it were enabled: it must cover every role in scope with
 * no gap. `mfaStrengthIds` are the authentication strengths known to require MFA.
 */
export function verifyDraft(draft: PolicyDraft, settings: PolicyDraftSettings, mfaStrengthIds: readonly string[] = []): DraftVerdict {
  const report = judgeAsEnabled({ ...structuredClone(draft), id: 'mfabot-draft' } as ConditionalAccessPolicy, settings, mfaStrengthIds);
  const problems = report.roles
    .filter((r) => !r.covered)
    .map((r) => `${r.displayName}: ${r.gaps.map((g) => g.reason).join('; ') || 'not covered'}`);
  if (settings.roleIds.length === 0) problems.push('no admin roles are in scope');
  return { ok: problems.length === 0, problems };
}

/** Whether two drafts would create the same policy (order of ids does not matter). */
export function sameDraft(a: PolicyDraft, b: PolicyDraft): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(d: PolicyDraft): unknown {
  return {
    ...d,
    conditions: {
      ...d.conditions,
      users: {
        includeRoles: sortedUnique(d.conditions.users.includeRoles),
        excludeUsers: sortedUnique(d.conditions.users.excludeUsers),
        excludeGroups: sortedUnique(d.conditions.users.excludeGroups),
      },
    },
  };
}

/** True for MfaBot's own policy, recognised by its display name. */
export function isMfaBotPolicy(policy: Pick<ConditionalAccessPolicy, 'displayName'>): boolean {
  return (policy.displayName ?? '').trim().toLowerCase() === POLICY_DISPLAY_NAME.toLowerCase();
}

/**
 * Before enforcing: problems that make switching the existing policy on unsafe, or no longer what was
 * approved. An empty list means it may be enabled.
 */
export function enforceBlockers(policy: ConditionalAccessPolicy, settings: PolicyDraftSettings, mfaStrengthIds: readonly string[] = []): string[] {
  const problems: string[] = [];
  const excluded = new Set((policy.conditions?.users?.excludeUsers ?? []).map((u) => u.toLowerCase()));
  const missing = settings.breakGlassUserIds.filter((id) => !excluded.has(id.toLowerCase()));
  if (settings.breakGlassUserIds.length === 0) problems.push('no break-glass account is configured (MFABOT_BREAK_GLASS)');
  if (missing.length > 0) {
    problems.push(`the policy no longer excludes the break-glass account${missing.length === 1 ? '' : 's'} ${missing.join(', ')}; enforcing it could lock everyone out`);
  }
  if (policy.state === 'enabled') problems.push('the policy is already enforced');
  const report = judgeAsEnabled(policy, settings, mfaStrengthIds);
  const uncovered = report.roles.filter((r) => !r.covered);
  if (uncovered.length > 0) {
    problems.push(`the policy was changed and would no longer require MFA for ${uncovered.map((r) => `${r.displayName} (${r.gaps.map((g) => g.reason).join('; ')})`).join(', ')}`);
  }
  return problems;
}

/** The draft in words, for the approval card. `names` resolves user and group ids to display names. */
export interface DraftDescription {
  displayName: string;
  state: string;
  roles: string[];
  applications: string;
  grant: string;
  clientApps: string;
  excludedUsers: string[];
  excludedGroups: string[];
}

export function describeDraft(
  draft: PolicyDraft,
  names: { users: Readonly<Record<string, string>>; groups: Readonly<Record<string, string>>; strength?: string | null },
): DraftDescription {
  const grant = 'authenticationStrength' in draft.grantControls
    ? `Require authentication strength "${names.strength ?? draft.grantControls.authenticationStrength.id}"`
    : 'Require multifactor authentication';
  return {
    displayName: draft.displayName,
    state: draft.state === REPORT_ONLY ? 'Report-only (logs what it would do; enforces nothing)' : draft.state,
    roles: draft.conditions.users.includeRoles.map((id) => roleInfo(id).displayName),
    applications: 'All cloud apps',
    grant,
    clientApps: 'All client apps',
    excludedUsers: draft.conditions.users.excludeUsers.map((id) => names.users[id] ? `${names.users[id]} (${id})` : id),
    excludedGroups: draft.conditions.users.excludeGroups.map((id) => names.groups[id] ? `${names.groups[id]} (${id})` : id),
  };
}

/** Properties Graph adds or owns (ids, timestamps, template), and the ones enforcing changes on purpose. */
const NOT_COMPARED = new Set(['id', 'createdDateTime', 'modifiedDateTime', 'templateId', 'state', 'displayName', 'description', 'partialEnablementStrategy']);

/** What each compared setting is called in the Entra admin center. */
const SETTING_WORDS: Readonly<Record<string, string>> = {
  'conditions.users.includeUsers': 'Included users',
  'conditions.users.excludeUsers': 'Excluded users',
  'conditions.users.includeGroups': 'Included groups',
  'conditions.users.excludeGroups': 'Excluded groups',
  'conditions.users.includeRoles': 'Included directory roles',
  'conditions.users.excludeRoles': 'Excluded directory roles',
  'conditions.users.includeGuestsOrExternalUsers': 'Included guests or external users',
  'conditions.users.excludeGuestsOrExternalUsers': 'Excluded guests or external users',
  'conditions.applications.includeApplications': 'Included cloud apps',
  'conditions.applications.excludeApplications': 'Excluded cloud apps',
  'conditions.applications.includeUserActions': 'User actions',
  'conditions.applications.includeAuthenticationContextClassReferences': 'Authentication contexts',
  'conditions.applications.applicationFilter': 'App filter',
  'conditions.clientAppTypes': 'Client apps',
  'conditions.platforms': 'Device platforms',
  'conditions.locations': 'Locations',
  'conditions.devices': 'Device filter',
  'conditions.signInRiskLevels': 'Sign-in risk',
  'conditions.userRiskLevels': 'User risk',
  'conditions.servicePrincipalRiskLevels': 'Service principal risk',
  'conditions.insiderRiskLevels': 'Insider risk',
  'conditions.authenticationFlows': 'Authentication flows',
  'conditions.clientApplications': 'Workload identities',
  'grantControls.builtInControls': 'Grant controls',
  'grantControls.operator': 'Grant',
  'grantControls.authenticationStrength': 'Authentication strength',
  'grantControls.customAuthenticationFactors': 'Custom controls',
  'grantControls.termsOfUse': 'Terms of use',
  sessionControls: 'Session controls',
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A policy reduced to what decides whom it applies to and what it demands: Graph's defaults (null,
 * empty lists), OData annotations and the properties Graph owns are left out, ids are lower-cased and
 * lists sorted, so the policy MfaBot sent and the one Graph returns compare equal.
 */
function comparable(value: unknown, path: string): unknown {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    const items = value
      .map((v) => comparable(v, path))
      .filter((v) => v !== undefined)
      .map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
    return items.length === 0 ? undefined : [...new Set(items)].sort();
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      if (key.includes('@') || (path === '' && NOT_COMPARED.has(key))) continue;
      const inner = path === 'grantControls' && key === 'authenticationStrength'
        ? comparable((v as { id?: unknown } | null)?.id, `${path}.${key}`)
        : comparable(v, path ? `${path}.${key}` : key);
      if (inner !== undefined) out[key] = inner;
    }
    if (path === 'grantControls') {
      // With one control, "require all" and "require one" mean the same.
      const controls = ['builtInControls', 'customAuthenticationFactors', 'termsOfUse'].reduce((n, k) => n + ((out[k] as unknown[] | undefined)?.length ?? 0), 0)
        + (out.authenticationStrength !== undefined ? 1 : 0);
      if (controls <= 1) delete out.operator;
      else if (typeof out.operator === 'string') out.operator = out.operator.toUpperCase();
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  if (typeof value === 'string') return GUID.test(value) ? value.toLowerCase() : value;
  return value;
}

/** The compared settings of a comparable policy, by path; each leaf is a list or a single value. */
function settingsOf(value: unknown, path = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (value === undefined) return out;
  const word = SETTING_WORDS[path];
  if (Array.isArray(value) || typeof value !== 'object' || (word !== undefined && !Array.isArray(value))) {
    out.set(path, value);
    return out;
  }
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    for (const [p, leaf] of settingsOf(v, path ? `${path}.${key}` : key)) out.set(p, leaf);
  }
  return out;
}

function wordsFor(path: string, item: string): string {
  if (path.endsWith('Roles') && GUID.test(item)) return roleInfo(item).displayName;
  return item;
}

const OPERATOR_WORDS: Readonly<Record<string, string>> = { AND: 'require all the selected controls', OR: 'require one of the selected controls' };

function shown(path: string, value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => wordsFor(path, String(v))).join(', ');
  if (path === 'grantControls.operator' && typeof value === 'string') return OPERATOR_WORDS[value] ?? value;
  if (value !== null && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k} ${shown(`${path}.${k}`, v)}`).join('; ');
  }
  return String(value);
}

/**
 * How an existing policy differs from the one MfaBot creates from its configuration, in the words of
 * the Entra admin center ("Included users: added All"). Name, description and state are not compared:
 * renaming is harmless and enforcing changes the state. An empty list means it is still exactly the
 * policy MfaBot would create, so enforcing it does what the approvers were shown.
 */
export function policyDrift(draft: PolicyDraft, policy: ConditionalAccessPolicy): string[] {
  const expected = settingsOf(comparable(draft, ''));
  const actual = settingsOf(comparable(policy, ''));
  const changes: string[] = [];
  for (const path of [...new Set([...expected.keys(), ...actual.keys()])].sort()) {
    const want = expected.get(path);
    const have = actual.get(path);
    if (JSON.stringify(want) === JSON.stringify(have)) continue;
    const label = SETTING_WORDS[path] ?? path;
    if ((Array.isArray(want) || want === undefined) && (Array.isArray(have) || have === undefined)) {
      const wantSet = new Set((want as string[] | undefined) ?? []);
      const haveSet = new Set((have as string[] | undefined) ?? []);
      const added = [...haveSet].filter((v) => !wantSet.has(v));
      const removed = [...wantSet].filter((v) => !haveSet.has(v));
      const parts = [
        ...(added.length > 0 ? [`added ${added.map((v) => wordsFor(path, v)).join(', ')}`] : []),
        ...(removed.length > 0 ? [`removed ${removed.map((v) => wordsFor(path, v)).join(', ')}`] : []),
      ];
      changes.push(`${label}: ${parts.join('; ')}`);
    } else if (want === undefined) {
      changes.push(`${label}: now ${shown(path, have)}`);
    } else if (have === undefined) {
      changes.push(`${label}: ${shown(path, want)} was removed`);
    } else {
      changes.push(`${label}: ${shown(path, want)} became ${shown(path, have)}`);
    }
  }
  return changes;
}
