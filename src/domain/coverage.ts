/**
 * Does Conditional Access enforce MFA for each admin role in scope? The per-role report of
 * `check-policies` and the status card, on top of the coverage engine (coverageEngine.ts): a role is
 * covered when no sign-in of an admin holding it can get through without MFA, whichever policies
 * (split by client app, platform, location, app or risk) share the work.
 *
 * Pure: takes Graph-shaped policies and the declared exclusions, returns a verdict per role with every
 * gap named in words a security admin can act on. Anything the rules cannot judge adds no coverage,
 * because a false "covered" is the expensive mistake.
 */
import type { ConditionalAccessPolicy } from '@microsoft/microsoft-graph-types';
import { createCoverageEngine, evaluateRole, type CoverageEngine } from './coverageEngine';
import { describeGap, roleWho } from './coverageWords';
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
 * Evaluates every role in `settings.roleIds`.
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
  const engine = engineFor(policies, settings, roleNames);
  const roles = settings.roleIds.map((roleId) => roleCoverage(engine, roleId, roleNames));
  const uncoveredRoleIds = roles.filter((r) => !r.covered).map((r) => r.roleId);
  return { covered: uncoveredRoleIds.length === 0, uncoveredRoleIds, roles, warnings: [...engine.warnings] };
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
