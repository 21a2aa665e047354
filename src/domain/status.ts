/**
 * The status decision: TenantFacts + settings + now → StatusReport. Everything the status card and
 * `mfabot status --json` show is computed here, so both always agree.
 */
import { buildAdmins } from './admins';
import { evaluatePolicies } from './coverage';
import type { TenantFacts } from './facts';
import type { Advice, PolicyActionAvailability, RoleSummary, StatusReport, Totals } from './report';
import { roleInfo } from './roles';
import type { Admin, CoverageReport, PrivilegedServicePrincipal } from './types';

/** What the status decision needs besides the facts: the scope and the declared exclusions. */
export interface StatusSettings {
  roleIds: string[];
  breakGlassUserIds: string[];
  exclusionGroupId: string | null;
  /** More sanctioned exclusion groups, beside `exclusionGroupId`. */
  exclusionGroupIds?: string[];
}

/**
 * Builds the status report.
 *
 * @param facts What the gateway read from the tenant.
 * @param settings Roles in scope, declared break-glass users and service-account exclusion group.
 * @param now The moment the report is for (recorded as `generatedAt`).
 */
export function buildStatusReport(facts: TenantFacts, settings: StatusSettings, now: Date): StatusReport {
  const roleIds = [...new Set(settings.roleIds)];
  const { admins, servicePrincipals } = buildAdmins(facts, roleIds);
  const policy = evaluatePolicies(
    facts.policies,
    { ...settings, roleIds, mfaStrengthIds: facts.mfaStrengthIds },
    facts.roleNames,
  );
  const roles = summariseRoles(roleIds, admins, policy, facts.roleNames);
  return {
    tenantId: facts.tenantId,
    tenantName: facts.tenantName,
    generatedAt: now.toISOString(),
    admins,
    servicePrincipals,
    totals: totalsOf(admins),
    roles,
    policy,
    policyNames: Object.fromEntries(facts.policies.flatMap((p) => (p.id ? [[p.id, p.displayName ?? p.id]] : []))),
    securityDefaultsEnabled: facts.securityDefaultsEnabled,
    licence: facts.licence,
    secureScore: facts.secureScore,
    advice: adviseOn(facts, admins, servicePrincipals, roles),
    createPolicy: createPolicyAvailability(facts, policy),
    caveats: facts.caveats,
    graphRequests: facts.graphRequests,
  };
}

function totalsOf(admins: readonly Admin[]): Totals {
  return {
    admins: admins.length,
    registered: admins.filter((a) => a.mfaRegistered === true).length,
    unregistered: admins.filter((a) => a.mfaRegistered === false).length,
    unknown: admins.filter((a) => a.mfaRegistered === null).length,
  };
}

/** Every role in scope, worst first, counting distinct users (a user may hold a role several ways). */
function summariseRoles(
  roleIds: readonly string[],
  admins: readonly Admin[],
  policy: CoverageReport,
  roleNames: Record<string, string>,
): RoleSummary[] {
  return roleIds
    .map((roleId) => {
      const info = roleInfo(roleId, roleNames);
      const holders = admins.filter((a) => a.roles.some((r) => sameRole(r.roleId, roleId)));
      const hasActive = (a: Admin) => a.roles.some((r) => sameRole(r.roleId, roleId) && r.activation === 'active');
      const coverage = policy.roles.find((r) => r.roleId === roleId);
      if (!coverage) throw new Error(`coverage report is missing role ${roleId}`);
      return {
        roleId,
        displayName: info.displayName,
        rank: info.rank,
        admins: holders.length,
        active: holders.filter(hasActive).length,
        eligible: holders.filter((a) => !hasActive(a)).length,
        unregistered: holders.filter((a) => a.mfaRegistered === false).length,
        unknown: holders.filter((a) => a.mfaRegistered === null).length,
        coverage,
      };
    })
    .sort((a, b) => a.rank - b.rank || a.displayName.localeCompare(b.displayName));
}

function sameRole(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** Plain-words advice, in the order a person should act on it. */
function adviseOn(
  facts: TenantFacts,
  admins: readonly Admin[],
  servicePrincipals: readonly PrivilegedServicePrincipal[],
  roles: readonly RoleSummary[],
): Advice[] {
  const advice: Advice[] = [];
  const securityDefaults = facts.securityDefaultsEnabled;

  switch (facts.licence) {
    case 'free':
      advice.push({
        kind: 'licence',
        // Without P1 and without security defaults nothing at all makes admins use MFA.
        severity: securityDefaults === true ? 'good' : 'attention',
        text: 'Conditional Access needs Microsoft Entra ID P1. Without it, turn on security defaults: they require MFA for admins for free.',
      });
      break;
    case 'p1':
      advice.push({
        kind: 'licence',
        severity: 'good',
        text: 'Entra ID P1: Conditional Access is available. P2 would add PIM so admins can be eligible and activate roles just in time.',
      });
      break;
    case 'p2': {
      advice.push({
        kind: 'licence',
        severity: 'good',
        text: 'Entra ID P2: Conditional Access and PIM (Privileged Identity Management) are available.',
      });
      const eligibleOnly = admins.filter((a) => a.roles.every((r) => r.activation === 'eligible')).length;
      advice.push({
        kind: 'pim',
        severity: 'good',
        text:
          eligibleOnly > 0
            ? `PIM: ${plural(eligibleOnly, 'admin is', 'admins are')} only eligible and activate roles just in time. Conditional Access asks them for MFA once they activate, so they still need MFA registered.`
            : 'PIM: no admin is eligible-only yet. Making standing admins eligible lets them activate roles just in time.',
      });
      break;
    }
    default:
      advice.push({
        kind: 'licence',
        severity: 'warning',
        text: 'The Entra ID licence could not be read, so it is not known whether Conditional Access is available.',
      });
  }

  if (securityDefaults === true) {
    advice.push({
      kind: 'securityDefaults',
      severity: 'good',
      text: 'Security defaults are on: they already require MFA for admin roles. Conditional Access and security defaults cannot both be on; to use a Conditional Access policy instead, security defaults must be turned off first (and the tenant loses their other protections unless CA replaces them).',
    });
  } else if (securityDefaults === null) {
    advice.push({
      kind: 'securityDefaults',
      severity: 'warning',
      text: 'Whether security defaults are on could not be read.',
    });
  }

  // Roles arrive worst first, so the most dangerous uncovered role is named first.
  const uncovered = roles.filter((r) => !r.coverage.covered);
  if (uncovered.length === 0) {
    advice.push({
      kind: 'policy',
      severity: 'good',
      text: `Conditional Access requires MFA for every admin role in scope (${roles.length}).`,
    });
  } else {
    const names = uncovered.map((r) => r.displayName).join(', ');
    advice.push({
      kind: 'policy',
      // Security defaults still challenge admins, so a missing policy is then less urgent.
      severity: securityDefaults === true ? 'warning' : 'attention',
      text: `Conditional Access does not enforce MFA for ${plural(uncovered.length, 'admin role', 'admin roles')} of ${roles.length} in scope: ${names}.`,
    });
  }

  const notRegistered = admins.filter((a) => a.mfaRegistered !== true);
  const unknown = notRegistered.filter((a) => a.mfaRegistered === null).length;
  if (notRegistered.length > 0) {
    const unknownNote = unknown > 0 ? ` (${unknown} of them have no registration record, so their state is unknown)` : '';
    advice.push({
      kind: 'registration',
      severity: 'attention',
      text: `${plural(notRegistered.length, 'admin is', 'admins are')} not registered for MFA${unknownNote}: nudge them.`,
    });
  } else if (admins.length > 0) {
    advice.push({ kind: 'registration', severity: 'good', text: 'Every admin is registered for MFA.' });
  }

  if (servicePrincipals.length > 0) {
    advice.push({
      kind: 'servicePrincipals',
      severity: 'warning',
      text: `${plural(servicePrincipals.length, 'service principal holds', 'service principals hold')} admin roles. They are not counted as admins and Conditional Access policies for users do not cover them: review whether they need those roles.`,
    });
  }

  return advice;
}

/**
 * The "create policy (report-only)" action is offered only when it can help: roles are uncovered,
 * Conditional Access is licensed, and security defaults are known to be off.
 */
function createPolicyAvailability(facts: TenantFacts, policy: CoverageReport): PolicyActionAvailability {
  if (policy.covered) {
    return { allowed: false, reason: 'Conditional Access already requires MFA for every admin role in scope.' };
  }
  if (facts.licence === 'free') {
    return {
      allowed: false,
      reason: 'Conditional Access needs Microsoft Entra ID P1, which this tenant does not have: security defaults are the option.',
    };
  }
  if (facts.securityDefaultsEnabled === true) {
    return {
      allowed: false,
      reason: 'Security defaults are on: they must be turned off first before a Conditional Access policy can be used.',
    };
  }
  const unread = [
    ...(facts.licence === null ? ['the Entra ID licence'] : []),
    ...(facts.securityDefaultsEnabled === null ? ['whether security defaults are on'] : []),
  ];
  if (unread.length > 0) {
    return { allowed: false, reason: `Could not read ${unread.join(' or ')}, so a policy cannot be offered safely.` };
  }
  return {
    allowed: true,
    reason: `${plural(policy.uncoveredRoleIds.length, 'admin role is', 'admin roles are')} not enforced; a report-only policy can be created for approval.`,
  };
}
