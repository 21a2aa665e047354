/**
 * Does Conditional Access enforce MFA for each admin role in scope? The per-role report of
 * `check-policies` and the status card, on top of the coverage engine (coverageEngine.ts): a role is
 * covered when no sign-in of an admin holding it can get through without MFA, whichever policies
 * (split by client app, platform, location, app or risk) share the work (README, "When does a CA policy
 * enforce MFA for a role?").
 *
 * Pure: takes Graph-shaped policies and the declared exclusions, returns a verdict per role with every
 * gap named in words a security admin can act on. Anything the rules cannot judge adds no coverage,
 * because a false "covered" is the expensive mistake.
 */
import type { ConditionalAccessPolicy } from '@microsoft/microsoft-graph-types';
import { createCoverageEngine, evaluateRole, type CoverageEngine, type CoverageOptions } from './coverageEngine';
import { describeGap, roleWho } from './coverageWords';
import { protectsByGrant } from './policyRegion';
import { conditionObject } from './signInSpace';
import { roleInfo } from './roles';
import type { CoverageReport, PolicyCheckSettings, RoleCoverage } from './types';

/** The reason given to a role that no policy targets at all. */
export const NO_POLICY_REASON = 'no enabled policy requires MFA for this role';

/** The engine for a policy check: the declared exclusions and what the tenant says about locations and strengths. */
export function engineFor(policies: readonly ConditionalAccessPolicy[], settings: PolicyCheckSettings, roleNames: Record<string, string> = {}): CoverageEngine {
  return createCoverageEngine(policies, {
    breakGlassIds: settings.breakGlassUserIds,
    exclusionGroupIds: [...(settings.exclusionGroupId ? [settings.exclusionGroupId] : []), ...(settings.exclusionGroupIds ?? [])],
    namedLocations: settings.namedLocations,
    authenticationStrengths: settings.authenticationStrengths,
    mfaStrengthIds: settings.mfaStrengthIds,
    roleNames,
  });
}

/**
 * Evaluates every role in `settings.roleIds` (README, "When does a CA policy enforce MFA for a role?").
 *
 * A role is covered when the policies that protect it fill its whole sign-in space; `coveredBy` lists
 * them. Every policy that targets the role and leaves sign-ins unprotected (or, for a covered role,
 * protects none) yields one gap whose reason lists every cause, joined with "; ". A role no policy
 * targets gets a single gap with an empty `policyId`. An uncovered role carries one unprotected
 * sign-in, the policies that came closest, and a sentence saying it.
 *
 * @param policies Conditional Access policies as Graph returns them.
 * @param settings Roles in scope, declared break-glass ids and exclusion groups, tenant facts.
 * @param roleNames Display names learnt from the tenant, for roles outside the built-in catalogue.
 * @returns Roles in `settings.roleIds` order, which of them are not covered, and warnings.
 */
export function evaluatePolicies(
  policies: ConditionalAccessPolicy[],
  settings: PolicyCheckSettings,
  roleNames: Record<string, string> = {},
): CoverageReport {
  return roleReport(engineFor(policies, settings, roleNames), settings.roleIds, roleNames);
}

/** The per-role report of an engine already built (the status report judges admins with the same one). */
export function roleReport(engine: CoverageEngine, roleIds: readonly string[], roleNames: Record<string, string> = {}): CoverageReport {
  const roles = roleIds.map((roleId) => roleCoverage(engine, roleId, roleNames));
  const uncoveredRoleIds = roles.filter((r) => !r.covered).map((r) => r.roleId);
  return { covered: uncoveredRoleIds.length === 0, uncoveredRoleIds, roles, warnings: [...engine.warnings] };
}

/** Groups whose members can change a verdict, most telling first, each once (lower case). */
export interface GroupsToRead {
  /** Declared break-glass ids (users or groups: a user id simply is no group) and exclusion groups. */
  declared: string[];
  /** Groups a policy that can cover sign-ins excludes: membership takes that coverage away. */
  excluded: string[];
  /** Groups a policy that can cover sign-ins includes: membership adds that coverage. */
  included: string[];
}

/**
 * The groups whose transitive members the status sweep must know. Groups named only by policies that
 * protect nothing (report-only, disabled, a grant met without MFA) cannot change whether an admin is
 * covered, so they are not read: only the wording of a gap would name them. Decided from state and
 * grant alone, without building the sign-in space, while the sweep is still reading: a group of a
 * policy whose conditions turn out unjudgeable is read for nothing, which is cheaper than the space.
 */
export function groupsToRead(
  policies: readonly ConditionalAccessPolicy[],
  known: Pick<CoverageOptions, 'breakGlassIds' | 'exclusionGroupIds' | 'authenticationStrengths' | 'mfaStrengthIds'>,
): GroupsToRead {
  const lower = (v: string): string => v.toLowerCase();
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').map(lower) : []);
  const ctx = {
    mfaStrengthIds: new Set((known.mfaStrengthIds ?? []).map(lower)),
    strengths: new Map((known.authenticationStrengths ?? []).filter((st) => st.id).map((st) => [lower(st.id as string), st])),
  };
  const users = (p: ConditionalAccessPolicy) => conditionObject(conditionObject(p.conditions)?.users);
  const protecting = policies.filter((p) => protectsByGrant(p, ctx));
  return distinctGroups(
    strings(known.breakGlassIds).filter((id) => !policies.some((p) => [...strings(users(p)?.includeUsers), ...strings(users(p)?.excludeUsers)].includes(id))),
    strings(known.exclusionGroupIds),
    protecting.flatMap((p) => strings(users(p)?.excludeGroups)),
    protecting.flatMap((p) => strings(users(p)?.includeGroups)),
  );
}

/** The groups that can change a verdict of this engine: those of policies that can cover, and the declared ones. */
export function groupsThatMatter(engine: CoverageEngine): GroupsToRead {
  const covering = engine.policies.filter((p) => p.canCover);
  const users = new Set(engine.policies.flatMap((p) => [...p.users.includeUsers, ...p.users.excludeUsers]));
  return distinctGroups(
    [...engine.breakGlass].filter((id) => !users.has(id)),
    [...engine.exclusionGroups],
    covering.flatMap((p) => p.users.excludeGroups),
    covering.flatMap((p) => [...p.users.includeGroups]),
  );
}

/** Each group once, in the first list that names it; a declared break-glass id that a policy lists among users is a user. */
function distinctGroups(breakGlass: string[], exclusionGroups: string[], excluded: string[], included: string[]): GroupsToRead {
  const seen = new Set<string>();
  const fresh = (ids: Iterable<string>): string[] => {
    const out: string[] = [];
    for (const id of ids) {
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(id);
    }
    return out;
  };
  return { declared: fresh([...breakGlass, ...exclusionGroups]), excluded: fresh(excluded), included: fresh(included) };
}

function roleCoverage(engine: CoverageEngine, roleId: string, roleNames: Record<string, string>): RoleCoverage {
  const verdict = evaluateRole(engine, roleId);
  const displayName = roleInfo(roleId, roleNames).displayName;
  const gaps = verdict.covered || verdict.gaps.length > 0 ? verdict.gaps : [{ policyId: '', reason: NO_POLICY_REASON }];
  return {
    roleId,
    displayName,
    covered: verdict.covered,
    coveredBy: verdict.covered ? verdict.contributing : [],
    gaps,
    unprotectedSignIn: verdict.gap?.unprotectedSignIn ?? null,
    closestPolicies: verdict.gap?.closest ?? [],
    summary: verdict.gap ? describeGap(roleWho(displayName), verdict.gap) : null,
  };
}
