/**
 * The status decision: TenantFacts + settings + now → StatusReport. Everything the status card and
 * `mfabot status --json` show is computed here, so both always agree.
 */
import { buildAdmins } from './admins';
import { engineFor, groupsThatMatter, roleReport } from './coverage';
import { evaluateAdmins, type AdminSubject, type CoverageEngine } from './coverageEngine';
import type { TenantFacts } from './facts';
import { fixableRoleIds, judgePimActivation, type PimActivationVerdict } from './pim';
import type { AdminCaTotals, Advice, PolicyActionAvailability, RoleSummary, StatusReport, Totals } from './report';
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
  const checkSettings = { ...settings, roleIds, mfaStrengthIds: facts.mfaStrengthIds, namedLocations: facts.namedLocations ?? undefined };
  const engine = engineFor(facts.policies, checkSettings, facts.roleNames);
  const policy = roleReport(engine, roleIds, facts.roleNames);
  const adminCa = judgeAdmins(engine, admins, facts);
  const roles = summariseRoles(roleIds, admins, policy, facts.roleNames);
  const pimActivation = judgePimActivation(roleIds, facts.pimSettings ?? null, facts.policies, { mfaStrengthIds: facts.mfaStrengthIds }, facts.pimUnreadable);
  return {
    tenantId: facts.tenantId,
    tenantName: facts.tenantName,
    generatedAt: now.toISOString(),
    admins,
    servicePrincipals,
    totals: totalsOf(admins),
    roles,
    policy,
    adminCa,
    policyNames: Object.fromEntries(facts.policies.flatMap((p) => (p.id ? [[p.id, p.displayName ?? p.id]] : []))),
    securityDefaultsEnabled: facts.securityDefaultsEnabled,
    licence: facts.licence,
    secureScore: facts.secureScore,
    advice: [...adviseOn(facts, admins, servicePrincipals, roles, adminCa), ...pimAdvice(pimActivation, admins, facts.roleNames)],
    createPolicy: createPolicyAvailability(facts, policy, adminCa),
    pimActivation,
    pimFix: pimFixAvailability(facts, pimActivation),
    registrationSource: facts.registrationSource ?? (Object.keys(facts.registrations).length > 0 ? 'registrationReport' : null),
    caveats: facts.caveats,
    graphRequests: facts.graphRequests,
    ...(facts.membershipReads ? { membershipReads: facts.membershipReads } : {}),
  };
}

/**
 * Judges every admin with the coverage engine and sets `admin.ca`: their active roles, eligible
 * roles as if activated, the groups they are known to be in (role-assignable groups holding their
 * roles, and those read for Conditional Access), and the groups whose membership is unknown (named by a
 * policy or declared, but not read in full), which the engine never counts on.
 */
function judgeAdmins(engine: CoverageEngine, admins: readonly Admin[], facts: TenantFacts): AdminCaTotals {
  const matter = groupsThatMatter(engine);
  const lower = (s: string): string => s.toLowerCase();
  const adminIds = new Set(admins.map((a) => lower(a.id)));

  // Known memberships of admins, by admin: each membership list is walked once.
  const known = new Map<string, Set<string>>();
  const note = (userId: string, groupId: string): void => {
    const id = lower(userId);
    if (!adminIds.has(id)) return;
    let set = known.get(id);
    if (!set) known.set(id, (set = new Set()));
    set.add(lower(groupId));
  };
  const complete = new Set<string>();
  for (const [groupId, members] of Object.entries(facts.groupMembers)) {
    complete.add(lower(groupId));
    for (const m of members) note(m.id, groupId);
  }
  const read = facts.groupMembership ?? {};
  for (const [groupId, membership] of Object.entries(read)) {
    if (membership.complete) complete.add(lower(groupId));
    for (const id of membership.memberIds) note(id, groupId);
  }
  // Only groups policies name can change coverage. A declared group that was not read only loses its
  // members the "left out on purpose" label, which is the safe side; the gateway's caveat says why.
  const unknownGroups = [...matter.excluded, ...matter.included].filter((g) => !complete.has(g));

  const subjects: AdminSubject[] = admins.map((a) => {
    const groups = known.get(lower(a.id)) ?? new Set<string>();
    for (const r of a.roles) if (r.groupId) groups.add(lower(r.groupId));
    return {
      id: a.id,
      activeRoleIds: a.roles.filter((r) => r.activation === 'active').map((r) => r.roleId),
      eligibleRoleIds: a.roles.filter((r) => r.activation === 'eligible').map((r) => r.roleId),
      groupIds: [...groups],
      uncertainGroupIds: unknownGroups.filter((g) => !groups.has(g)),
      userType: a.guest ? 'guest' : 'member',
    };
  });
  const result = evaluateAdmins(engine, subjects);
  const totals: AdminCaTotals = { covered: 0, uncovered: 0, excluded: 0, uncoveredEligible: 0, signatures: result.signatures };
  admins.forEach((admin, i) => {
    const ca = result.admins[i];
    if (!ca) return;
    admin.ca = ca;
    if (ca.caCovered === true) totals.covered += 1;
    else if (ca.caCovered === 'excluded') totals.excluded += 1;
    else {
      totals.uncovered += 1;
      if (ca.evaluatedAsActivated.length > 0) totals.uncoveredEligible += 1;
    }
  });
  return totals;
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
  // Holders of each role, in one pass over the admins.
  const byRole = new Map<string, Admin[]>();
  for (const a of admins) {
    for (const id of new Set(a.roles.map((r) => r.roleId.toLowerCase()))) {
      const list = byRole.get(id);
      if (list) list.push(a);
      else byRole.set(id, [a]);
    }
  }
  return roleIds
    .map((roleId) => {
      const info = roleInfo(roleId, roleNames);
      const holders = byRole.get(roleId.toLowerCase()) ?? [];
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
        caUncovered: holders.filter((a) => a.ca?.caCovered === false).length,
        caExcluded: holders.filter((a) => a.ca?.caCovered === 'excluded').length,
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
  adminCa: AdminCaTotals,
): Advice[] {
  return [
    ...licenceAdvice(facts, admins),
    ...securityDefaultsAdvice(facts.securityDefaultsEnabled),
    ...policyAdvice(facts.securityDefaultsEnabled, admins, roles, adminCa),
    ...registrationAdvice(admins),
    ...servicePrincipalAdvice(servicePrincipals),
  ];
}

/** What the licence allows, and on P2 how far admins already use PIM. */
function licenceAdvice(facts: TenantFacts, admins: readonly Admin[]): Advice[] {
  switch (facts.licence) {
    case 'free':
      return [{
        kind: 'licence',
        // Without P1 and without security defaults nothing at all makes admins use MFA.
        severity: facts.securityDefaultsEnabled === true ? 'good' : 'attention',
        text: 'Conditional Access needs Microsoft Entra ID P1. Without it, turn on security defaults: they require MFA for admins for free.',
      }];
    case 'p1':
      return [{
        kind: 'licence',
        severity: 'good',
        text: 'Entra ID P1: Conditional Access is available. P2 would add PIM so admins can be eligible and activate roles just in time.',
      }];
    case 'p2': {
      const eligibleOnly = admins.filter((a) => a.roles.every((r) => r.activation === 'eligible')).length;
      return [
        { kind: 'licence', severity: 'good', text: 'Entra ID P2: Conditional Access and PIM (Privileged Identity Management) are available.' },
        {
          kind: 'pim',
          severity: 'good',
          text:
            eligibleOnly > 0
              ? `PIM: ${plural(eligibleOnly, 'admin is', 'admins are')} only eligible and activate roles just in time. Conditional Access asks them for MFA once they activate, so they still need MFA registered.`
              : 'PIM: no admin is eligible-only yet. Making standing admins eligible lets them activate roles just in time.',
        },
      ];
    }
    default:
      return [{
        kind: 'licence',
        severity: 'warning',
        text: 'The Entra ID licence could not be read, so it is not known whether Conditional Access is available.',
      }];
  }
}

function securityDefaultsAdvice(securityDefaults: boolean | null): Advice[] {
  if (securityDefaults === true) {
    return [{
      kind: 'securityDefaults',
      severity: 'good',
      text: 'Security defaults are on: they already require MFA for admin roles. Conditional Access and security defaults cannot both be on; to use a Conditional Access policy instead, security defaults must be turned off first (and the tenant loses their other protections unless CA replaces them).',
    }];
  }
  if (securityDefaults === null) return [{ kind: 'securityDefaults', severity: 'warning', text: 'Whether security defaults are on could not be read.' }];
  return [];
}

/** Whether Conditional Access leaves any admin role, or any admin, able to sign in without MFA. */
function policyAdvice(securityDefaults: boolean | null, admins: readonly Admin[], roles: readonly RoleSummary[], adminCa: AdminCaTotals): Advice[] {
  const advice: Advice[] = [];
  // Roles arrive worst first, so the most dangerous uncovered role is named first.
  const uncovered = roles.filter((r) => !r.coverage.covered);
  // Security defaults still challenge admins, so a missing policy is then less urgent.
  const missingSeverity = securityDefaults === true ? 'warning' : 'attention';
  if (uncovered.length === 0 && adminCa.uncovered === 0) {
    const excluded = adminCa.excluded > 0 ? ` ${plural(adminCa.excluded, 'admin is', 'admins are')} left out on purpose (declared break-glass or exclusion).` : '';
    advice.push({ kind: 'policy', severity: 'good', text: `Conditional Access requires MFA for every admin role in scope (${roles.length}).${excluded}` });
  } else if (uncovered.length === 0) {
    advice.push({
      kind: 'policy',
      severity: missingSeverity,
      text: `Conditional Access requires MFA for every admin role in scope (${roles.length}), but ${plural(adminCa.uncovered, 'admin', 'admins')} can still sign in without MFA: the policies leave them out by group, role or account type, or MfaBot could not read the groups that would cover them.`,
    });
  } else {
    const names = uncovered.map((r) => r.displayName).join(', ');
    const adminsWithout = adminCa.uncovered > 0 ? ` ${plural(adminCa.uncovered, 'admin', 'admins')} of ${admins.length} can sign in without MFA.` : '';
    advice.push({
      kind: 'policy',
      severity: missingSeverity,
      text: `Conditional Access does not enforce MFA for ${plural(uncovered.length, 'admin role', 'admin roles')} of ${roles.length} in scope: ${names}.${adminsWithout}`,
    });
  }
  if (adminCa.uncoveredEligible > 0) {
    advice.push({
      kind: 'pim',
      severity: 'warning',
      text: `${plural(adminCa.uncoveredEligible, 'admin who is', 'admins who are')} only eligible for a role could sign in without MFA once they activate it: Conditional Access sees a role only while it is active, so MfaBot judges them as if activated.`,
    });
  }
  return advice;
}

function registrationAdvice(admins: readonly Admin[]): Advice[] {
  const notRegistered = admins.filter((a) => a.mfaRegistered !== true);
  if (notRegistered.length === 0) return admins.length > 0 ? [{ kind: 'registration', severity: 'good', text: 'Every admin is registered for MFA.' }] : [];
  const unknown = notRegistered.filter((a) => a.mfaRegistered === null).length;
  const unknownNote = unknown === 1 ? ' (1 of them has no registration record, so their state is unknown)'
    : unknown > 1 ? ` (${unknown} of them have no registration record, so their state is unknown)` : '';
  return [{
    kind: 'registration',
    severity: 'attention',
    text: `${plural(notRegistered.length, 'admin is', 'admins are')} not registered for MFA${unknownNote}: nudge them.`,
  }];
}

function servicePrincipalAdvice(servicePrincipals: readonly PrivilegedServicePrincipal[]): Advice[] {
  if (servicePrincipals.length === 0) return [];
  return [{
    kind: 'servicePrincipals',
    severity: 'warning',
    text: `${plural(servicePrincipals.length, 'service principal holds', 'service principals hold')} admin roles. They are not counted as admins and Conditional Access policies for users do not cover them: review whether they need those roles.`,
  }];
}

/**
 * The "create policy (report-only)" action is offered only when it can help: roles are uncovered,
 * Conditional Access is licensed, and security defaults are known to be off.
 */
function createPolicyAvailability(facts: TenantFacts, policy: CoverageReport, adminCa: AdminCaTotals): PolicyActionAvailability {
  if (policy.covered && adminCa.uncovered === 0) {
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
  const what = policy.covered
    ? `${plural(adminCa.uncovered, 'admin', 'admins')} can sign in without MFA`
    : `${plural(policy.uncoveredRoleIds.length, 'admin role is', 'admin roles are')} not enforced`;
  return { allowed: true, reason: `${what}; a report-only policy can be created for approval.` };
}

/**
 * Advice on PIM activation: the roles an eligible admin could activate without MFA (named worst
 * first), and how many eligible admins hold them. Nothing when PIM's settings are unknown (the caveat
 * says why) or every role demands MFA.
 */
function pimAdvice(verdicts: readonly PimActivationVerdict[], admins: readonly Admin[], roleNames: Record<string, string>): Advice[] {
  const lacking = verdicts.filter((v) => v.requiresMfa === false);
  if (lacking.length === 0) return [];
  const ids = new Set(lacking.map((v) => v.roleId.toLowerCase()));
  const eligible = admins.filter((a) => a.roles.some((r) => r.activation === 'eligible' && ids.has(r.roleId.toLowerCase()))).length;
  const names = lacking.map((v) => roleInfo(v.roleId, roleNames)).sort((a, b) => a.rank - b.rank).map((r) => r.displayName);
  const shown = names.length > 4 ? `${names.slice(0, 4).join(', ')} and ${names.length - 4} more` : names.join(', ');
  const who = eligible > 0 ? ` ${plural(eligible, 'eligible admin holds', 'eligible admins hold')} such a role.` : '';
  return [{
    kind: 'pimActivation',
    severity: eligible > 0 ? 'attention' : 'warning',
    text: `PIM: ${plural(lacking.length, 'admin role', 'admin roles')} can be activated without MFA (${shown}). Conditional Access sees a role only once it is active, so activation is where an eligible admin should prove it is them.${who}`,
  }];
}

/** "Require MFA on activation" is offered on Entra ID P2 tenants, for the roles MfaBot can change (pim.ts, `fixable`). */
function pimFixAvailability(facts: TenantFacts, verdicts: readonly PimActivationVerdict[]): PolicyActionAvailability & { roleIds: string[] } {
  const roleIds = fixableRoleIds(verdicts);
  if (facts.licence !== 'p2') {
    return { allowed: false, roleIds: [], reason: 'PIM needs Microsoft Entra ID P2 (or Entra ID Governance), which this tenant does not have.' };
  }
  if (!facts.pimSettings) {
    return { allowed: false, roleIds: [], reason: `PIM role settings could not be read${facts.pimUnreadable ? ` (${facts.pimUnreadable})` : ''}.` };
  }
  if (roleIds.length === 0) {
    const context = verdicts.some((v) => v.requiresMfa === false);
    return {
      allowed: false, roleIds: [],
      reason: context
        ? 'The roles whose activation does not demand MFA require an authentication context instead: fix its Conditional Access policy.'
        : 'Activating every admin role in scope already demands MFA.',
    };
  }
  return { allowed: true, roleIds, reason: `${plural(roleIds.length, 'admin role', 'admin roles')} can be activated without MFA.` };
}
