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
  exclusionGroupId: string | null;
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
        excludeGroups: settings.exclusionGroupId ? [settings.exclusionGroupId.toLowerCase()] : [],
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

/**
 * Runs the coverage rules on the draft as if it were enabled: it must cover every role in scope with
 * no gap. `mfaStrengthIds` are the authentication strengths known to require MFA.
 */
export function verifyDraft(draft: PolicyDraft, settings: PolicyDraftSettings, mfaStrengthIds: readonly string[] = []): DraftVerdict {
  const asEnabled = { ...structuredClone(draft), id: 'mfabot-draft', state: 'enabled' } as ConditionalAccessPolicy;
  const report = evaluatePolicies([asEnabled], {
    roleIds: [...settings.roleIds],
    breakGlassUserIds: [...settings.breakGlassUserIds],
    exclusionGroupId: settings.exclusionGroupId,
    mfaStrengthIds: [...mfaStrengthIds],
  });
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
  const asEnabled = { ...structuredClone(policy), state: 'enabled' } as ConditionalAccessPolicy;
  const report = evaluatePolicies([asEnabled], {
    roleIds: [...settings.roleIds],
    breakGlassUserIds: [...settings.breakGlassUserIds],
    exclusionGroupId: settings.exclusionGroupId,
    mfaStrengthIds: [...mfaStrengthIds],
  });
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
