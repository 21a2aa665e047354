/**
 * Hand-built StatusReports for card tests: a small typed factory that derives totals and per-role
 * summaries from the admins, so each test states only what it is about.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AdminCoverage } from '../../src/domain/coverageEngine';
import type { PimActivationVerdict } from '../../src/domain/pim';
import type { EnforcementAftermath, StuckAdmin } from '../../src/domain/aftermath';
import { buildStatusReport } from '../../src/domain/status';
import { parseFixture } from '../../src/sim/fixture';
import { generateTenant } from '../../src/sim/generate';
import { factsFromFixture } from '../support/tenantFacts';
import type { Advice, PolicyActionAvailability, RoleSummary, StatusReport } from '../../src/domain/report';
import { ROLE, ROLE_LISTS, roleInfo } from '../../src/domain/roles';
import type {
  Activation, Admin, AdminMfaSecureScore, AdminRole, Caveat, Licence, PolicyGap, PrivilegedServicePrincipal, RoleCoverage,
} from '../../src/domain/types';

export { ROLE };

export const NOW = new Date('2025-11-26T09:00:00Z');
export const POLICY_ID = '0a1b2c3d-0000-4000-8000-000000000001';
export const POLICY_NAME = 'Require MFA for admins';

let sequence = 0;

/** A deterministic GUID-shaped user id. */
export function userId(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

export interface AdminSpec {
  upn: string;
  name?: string;
  id?: string;
  roles: AdminRole[];
  /** true registered, false not, null no registration row. */
  mfa: boolean | null;
  accountEnabled?: boolean | null;
  /** The admin's Conditional Access verdict, when the test is about it. */
  ca?: AdminCoverage;
}

export function admin(spec: AdminSpec): Admin {
  sequence += 1;
  return {
    id: spec.id ?? userId(sequence),
    userPrincipalName: spec.upn,
    displayName: spec.name ?? spec.upn.split('@')[0],
    accountEnabled: spec.accountEnabled ?? true,
    roles: spec.roles,
    mfaRegistered: spec.mfa,
    ...(spec.ca ? { ca: spec.ca } : {}),
  };
}

export function role(roleId: string, activation: Activation = 'active', group?: { id: string; name?: string }): AdminRole {
  return group
    ? { roleId, activation, via: 'group', groupId: group.id, ...(group.name ? { groupName: group.name } : {}) }
    : { roleId, activation, via: 'direct' };
}

export interface ReportSpec {
  admins: Admin[];
  /** Roles in scope; the CA template's 14 by default. */
  roleIds?: readonly string[];
  /** Roles a policy enforces MFA for: all of them, or the listed ids. */
  covered?: 'all' | readonly string[];
  /** Gaps of uncovered roles, by role id. */
  gaps?: Readonly<Record<string, PolicyGap[]>>;
  tenantName?: string | null;
  licence?: Licence | null;
  securityDefaultsEnabled?: boolean | null;
  secureScore?: AdminMfaSecureScore | null;
  advice?: Advice[];
  createPolicy?: PolicyActionAvailability;
  caveats?: Caveat[];
  servicePrincipals?: PrivilegedServicePrincipal[];
  /** PIM activation per role; unknown for every role (no P2) by default. */
  pimActivation?: PimActivationVerdict[];
  pimFix?: StatusReport['pimFix'];
  registrationSource?: StatusReport['registrationSource'];
}

/** Builds a StatusReport whose totals and role summaries agree with its admins. */
export function makeReport(spec: ReportSpec): StatusReport {
  const roleIds = spec.roleIds ?? ROLE_LISTS.template;
  const covered = (id: string): boolean => spec.covered === 'all' || (spec.covered ?? []).includes(id);
  const coverage: RoleCoverage[] = roleIds.map((id) => ({
    roleId: id,
    displayName: roleInfo(id).displayName,
    covered: covered(id),
    coveredBy: covered(id) ? [POLICY_ID] : [],
    gaps: covered(id) ? [] : [...(spec.gaps?.[id] ?? [])],
    unprotectedSignIn: null,
    closestPolicies: [],
    summary: null,
  }));
  const roles: RoleSummary[] = coverage.map((c) => {
    const holders = spec.admins.filter((a) => a.roles.some((r) => r.roleId === c.roleId));
    const active = holders.filter((a) => a.roles.some((r) => r.roleId === c.roleId && r.activation === 'active')).length;
    return {
      roleId: c.roleId,
      displayName: c.displayName,
      rank: roleInfo(c.roleId).rank,
      admins: holders.length,
      active,
      eligible: holders.length - active,
      unregistered: holders.filter((a) => a.mfaRegistered === false).length,
      unknown: holders.filter((a) => a.mfaRegistered === null).length,
      coverage: c,
      caUncovered: holders.filter((a) => a.ca?.caCovered === false).length,
      caExcluded: holders.filter((a) => a.ca?.caCovered === 'excluded').length,
    };
  }).sort((a, b) => a.rank - b.rank);
  return {
    tenantId: 'c0ffee00-0000-4000-8000-000000000000',
    tenantName: spec.tenantName === undefined ? 'Contoso' : spec.tenantName,
    generatedAt: '2025-11-26T08:55:00.000Z',
    admins: [...spec.admins].sort((a, b) => a.userPrincipalName.localeCompare(b.userPrincipalName)),
    servicePrincipals: spec.servicePrincipals ?? [],
    adminCa: {
      covered: spec.admins.filter((a) => a.ca?.caCovered === true).length,
      uncovered: spec.admins.filter((a) => a.ca?.caCovered === false).length,
      excluded: spec.admins.filter((a) => a.ca?.caCovered === 'excluded').length,
      uncoveredEligible: spec.admins.filter((a) => a.ca?.caCovered === false && a.ca.evaluatedAsActivated.length > 0).length,
      signatures: new Set(spec.admins.map((a) => a.ca?.gap)).size,
    },
    totals: {
      admins: spec.admins.length,
      registered: spec.admins.filter((a) => a.mfaRegistered === true).length,
      unregistered: spec.admins.filter((a) => a.mfaRegistered === false).length,
      unknown: spec.admins.filter((a) => a.mfaRegistered === null).length,
    },
    roles,
    policy: {
      covered: coverage.every((c) => c.covered),
      uncoveredRoleIds: coverage.filter((c) => !c.covered).map((c) => c.roleId),
      roles: coverage,
      warnings: [],
    },
    securityDefaultsEnabled: spec.securityDefaultsEnabled ?? false,
    licence: spec.licence === undefined ? 'p1' : spec.licence,
    secureScore: spec.secureScore === undefined ? score(4.29, 10, 'Partially implemented') : spec.secureScore,
    advice: spec.advice ?? [],
    createPolicy: spec.createPolicy ?? { allowed: true, reason: '' },
    pimActivation: spec.pimActivation ?? roleIds.map((roleId) => ({
      roleId, requiresMfa: null, how: null, policyId: null, enabledRules: [], authenticationContext: null, fixable: false, reason: 'PIM settings could not be read',
    })),
    pimFix: spec.pimFix ?? { allowed: false, roleIds: [], reason: 'PIM needs Microsoft Entra ID P2.' },
    registrationSource: spec.registrationSource === undefined ? 'registrationReport' : spec.registrationSource,
    caveats: spec.caveats ?? [],
    graphRequests: 12,
  };
}

export function score(points: number | null, max: number | null, status: string | null): AdminMfaSecureScore {
  return { score: points, maxScore: max, implementationStatus: status, currentScore: 41, overallMaxScore: 120 };
}

/** Every admin registered and every role covered by one policy. */
export function allRegisteredAndCovered(): StatusReport {
  return makeReport({
    admins: [
      admin({ upn: 'ada@contoso.com', name: 'Ada Lovelace', roles: [role(ROLE.globalAdministrator)], mfa: true }),
      admin({ upn: 'bob@contoso.com', name: 'Bob Builder', roles: [role(ROLE.exchangeAdministrator)], mfa: true }),
      admin({ upn: 'cy@contoso.com', name: 'Cy Young', roles: [role(ROLE.billingAdministrator)], mfa: true }),
    ],
    covered: 'all',
    gaps: {},
    secureScore: score(10, 10, 'Completed'),
    advice: [{ kind: 'policy', severity: 'good', text: 'Conditional Access requires MFA for every admin role in scope (14).' }],
    createPolicy: { allowed: false, reason: 'A policy already enforces MFA for every admin role in scope.' },
  });
}

/** Free licence: no Conditional Access at all, some admins unregistered. */
export function freeLicenceNoneCovered(): StatusReport {
  return makeReport({
    admins: [
      admin({ upn: 'ada@contoso.com', name: 'Ada Lovelace', roles: [role(ROLE.globalAdministrator)], mfa: false }),
      admin({ upn: 'bill@contoso.com', name: 'Bill Payer', roles: [role(ROLE.billingAdministrator)], mfa: false }),
      admin({ upn: 'helen@contoso.com', name: 'Helen Desk', roles: [role(ROLE.helpdeskAdministrator)], mfa: true }),
    ],
    licence: 'free',
    secureScore: score(0, 10, 'Not implemented'),
    advice: [
      { kind: 'licence', severity: 'attention', text: 'Conditional Access needs Microsoft Entra ID P1. Without it, turn on security defaults: they require MFA for admins for free.' },
      { kind: 'registration', severity: 'attention', text: '2 admins are not registered for MFA: nudge them.' },
    ],
    createPolicy: { allowed: false, reason: 'Conditional Access needs Microsoft Entra ID P1; this tenant has the free licence.' },
  });
}

/** Security defaults on: MFA required for admins without any CA policy. */
export function securityDefaultsOn(): StatusReport {
  return makeReport({
    admins: [
      admin({ upn: 'ada@contoso.com', name: 'Ada Lovelace', roles: [role(ROLE.globalAdministrator)], mfa: true }),
      admin({ upn: 'sam@contoso.com', name: 'Sam Secure', roles: [role(ROLE.securityAdministrator)], mfa: false }),
    ],
    licence: 'free',
    securityDefaultsEnabled: true,
    advice: [
      { kind: 'securityDefaults', severity: 'good', text: 'Security defaults are on: they already require MFA for admin roles.' },
    ],
    createPolicy: { allowed: false, reason: 'Security defaults are on; turn them off before creating a Conditional Access policy.' },
  });
}

/** P2 with PIM-eligible and group-held roles, unknown registrations and a partly covering policy. */
export function p2WithEligibleAdmins(): StatusReport {
  const tier0 = { id: 'aaaaaaaa-0000-4000-8000-000000000000', name: 'Tier0 Admins' };
  return makeReport({
    admins: [
      admin({ upn: 'zed@contoso.com', name: 'Zed Global', roles: [role(ROLE.globalAdministrator, 'eligible')], mfa: false }),
      admin({ upn: 'amy@contoso.com', name: 'Amy Billing', roles: [role(ROLE.billingAdministrator)], mfa: false }),
      admin({ upn: 'gus@contoso.com', name: 'Gus Group', roles: [role(ROLE.privilegedRoleAdministrator, 'active', tier0)], mfa: null }),
      admin({ upn: 'eve@contoso.com', name: 'Eve Exchange', roles: [role(ROLE.exchangeAdministrator, 'eligible', tier0)], mfa: true }),
      admin({ upn: 'uma@contoso.com', name: 'Uma User', roles: [role(ROLE.userAdministrator)], mfa: true }),
    ],
    licence: 'p2',
    covered: [ROLE.exchangeAdministrator, ROLE.userAdministrator, ROLE.helpdeskAdministrator],
    gaps: {
      [ROLE.globalAdministrator]: [
        { policyId: POLICY_ID, policyName: POLICY_NAME, reason: 'is report-only, so it enforces nothing' },
        { policyId: 'p-2', policyName: 'MFA or compliant device', reason: 'accepts a compliant device instead of MFA (OR)' },
      ],
      [ROLE.billingAdministrator]: [{ policyId: POLICY_ID, policyName: POLICY_NAME, reason: 'is report-only, so it enforces nothing' }],
    },
    advice: [
      { kind: 'licence', severity: 'good', text: 'Entra ID P2: Conditional Access and PIM are available.' },
      { kind: 'policy', severity: 'attention', text: 'Conditional Access does not enforce MFA for 11 admin roles of 14 in scope.' },
      { kind: 'registration', severity: 'warning', text: '3 admins are not registered for MFA.' },
    ],
    servicePrincipals: [
      { id: 'sp-1', displayName: 'Backup App', appId: 'app-1', roleIds: [ROLE.exchangeAdministrator] },
      { id: 'sp-2', displayName: 'Provisioning', appId: 'app-2', roleIds: [ROLE.userAdministrator] },
    ],
  });
}

/** Parts of the tenant could not be read. */
export function withCaveats(): StatusReport {
  return makeReport({
    admins: [
      admin({ upn: 'ada@contoso.com', name: 'Ada Lovelace', roles: [role(ROLE.globalAdministrator)], mfa: null }),
      admin({ upn: 'bob@contoso.com', name: 'Bob Builder', roles: [role(ROLE.exchangeAdministrator)], mfa: true }),
    ],
    covered: 'all',
    secureScore: null,
    caveats: [
      { area: 'pim', message: 'PIM eligible assignments could not be read; eligible admins are missing.', missing: 'RoleEligibilitySchedule.Read.Directory' },
      { area: 'secureScore', message: 'Secure Score could not be read', missing: 'SecurityEvents.Read.All' },
    ],
  });
}

/**
 * The worst case: thousands of unregistered admins with long names, every role uncovered with many
 * long gaps, and every list long. `chars` lets a test use multi-byte text.
 */
/** A verdict of "can sign in without MFA", the `variant`-th of its kind, with long policy names and reasons. */
export function uncoveredCa(variant: number, long: (prefix: string, n: number) => string = (p) => p, eligible: string[] = []): AdminCoverage {
  const unprotectedSignIn = { clientAppType: 'exchangeActiveSync', platform: 'iOS', location: 'untrusted elsewhere', application: 'All', signInRisk: 'none', userRisk: 'none' };
  return {
    id: '',
    caCovered: false,
    unprotectedSignIn,
    gap: {
      unprotectedSignIn,
      narrowedBy: [{ dimension: 'clientAppType', phrase: 'with Exchange ActiveSync (the iPhone Mail app)', region: 'legacy clients' }],
      closest: Array.from({ length: 3 }, (_, k) => ({
        policyId: `policy-${variant}-${k}`, policyName: long(`Policy ${variant}.${k}`, 150), reasons: [long('covers only browsers and modern clients', 300)],
      })),
      legacyOnly: true,
    },
    coveredBy: [],
    evaluatedAsActivated: eligible,
    sanctionedExclusion: null,
    uncertainGroups: [],
  };
}

export function excludedCa(): AdminCoverage {
  return {
    id: '', caCovered: 'excluded', unprotectedSignIn: null, gap: null, coveredBy: [], evaluatedAsActivated: [],
    sanctionedExclusion: { kind: 'breakGlass', id: 'bg' }, uncertainGroups: [],
  };
}

/** Tailspin Toys (test/fixtures/tailspin.json) through the real status decision: split policies, groups, locations. */
export function tailspin(): StatusReport {
  const tenant = parseFixture(JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'tailspin.json'), 'utf8')));
  return buildStatusReport(factsFromFixture(tenant, NOW), {
    roleIds: [...ROLE_LISTS.template], breakGlassUserIds: [TAILSPIN_BREAK_GLASS], exclusionGroupId: null, exclusionGroupIds: [TAILSPIN_SERVICE],
  }, NOW);
}
export const TAILSPIN_BREAK_GLASS = 'c3000000-0000-4000-8000-000000000003';
export const TAILSPIN_SERVICE = 'c3000000-0000-4000-8000-000000000004';

/** A generated tenant of `admins` admins (and twice the users) through the real status decision. */
export function generatedTenant(admins = 5_000): StatusReport {
  const tenant = generateTenant({ users: admins * 2, admins, seed: 5 });
  const breakGlass = tenant.users.slice(0, 2).map((u) => u.id);
  const exclusion = tenant.groups.find((g) => g.displayName.startsWith('Service accounts'))?.id;
  return buildStatusReport(factsFromFixture(tenant, NOW), {
    roleIds: [...ROLE_LISTS.template], breakGlassUserIds: breakGlass, exclusionGroupId: exclusion ?? null,
  }, NOW);
}

export function hugeTenant(count = 5_000, chars = 'x'): StatusReport {
  const long = (prefix: string, n: number): string => `${prefix} ${chars.repeat(n)}`;
  const roleIds = ROLE_LISTS.template;
  const admins: Admin[] = [];
  for (let i = 0; i < count; i += 1) {
    const held = [roleIds[i % roleIds.length], roleIds[(i + 3) % roleIds.length], roleIds[(i + 7) % roleIds.length]];
    admins.push(admin({
      id: userId(100_000 + i),
      upn: `${long(`user${i}`, 120).replace(/ /g, '.')}@${chars.repeat(60)}.example.com`,
      name: long(`Admin ${i}`, 200),
      roles: [
        role(held[0]),
        role(held[1], 'eligible'),
        role(held[2], 'eligible', { id: `g-${i}`, name: long('Group', 200) }),
      ],
      mfa: i % 3 === 0 ? null : false,
      // Every admin uncovered, in 60 different ways, each named at length.
      ca: i % 97 === 0 ? excludedCa() : uncoveredCa(i % 60, long, [held[1] as string]),
    }));
  }
  const gaps: Record<string, PolicyGap[]> = {};
  for (const id of roleIds) {
    gaps[id] = Array.from({ length: 6 }, (_, k) => ({
      policyId: `policy-${k}`,
      policyName: long(`Policy ${k}`, 150),
      reason: long('excludes', 600),
    }));
  }
  return makeReport({
    admins,
    gaps,
    tenantName: long('Tenant', 400),
    secureScore: score(1.5, 10, long('Status', 800)),
    advice: Array.from({ length: 20 }, (_, k) => ({ kind: 'policy' as const, severity: 'attention' as const, text: long(`Advice ${k}`, 1_000) })),
    caveats: Array.from({ length: 20 }, (_, k) => ({ area: 'groups' as const, message: long(`Caveat ${k}`, 1_000), missing: long('Permission', 500) })),
    servicePrincipals: Array.from({ length: 40 }, (_, k) => ({ id: `sp-${k}`, displayName: long(`App ${k}`, 300), appId: null, roleIds: [ROLE.globalAdministrator] })),
    createPolicy: { allowed: false, reason: long('Reason', 2_000) },
  });
}

/**
 * PIM activation per role in scope: Global Administrator demands Azure MFA, Exchange an authentication
 * context its policy protects, Security Administrator a context whose policy is report-only, and the
 * others ask only for a justification (so MfaBot offers to require MFA for them).
 */
export function pimVerdicts(roleIds: readonly string[] = ROLE_LISTS.template): PimActivationVerdict[] {
  return roleIds.map((roleId) => {
    const base = { roleId, policyId: `DirectoryRole_t_${roleId}`, enabledRules: ['Justification'], authenticationContext: null, fixable: false };
    if (roleId === ROLE.globalAdministrator) return { ...base, enabledRules: ['MultiFactorAuthentication', 'Justification'], requiresMfa: true, how: 'mfa', reason: 'activation requires Azure MFA' };
    if (roleId === ROLE.exchangeAdministrator) {
      return { ...base, requiresMfa: true, how: 'authenticationContext', authenticationContext: { claimValue: 'c1', protectedBy: ['ca-1'] }, reason: 'activation requires authentication context c1, which "PIM activation (c1)" protects with MFA' };
    }
    if (roleId === ROLE.securityAdministrator) {
      return { ...base, requiresMfa: false, how: null, authenticationContext: { claimValue: 'c2', protectedBy: [] }, reason: 'activation requires authentication context c2, but "PIM activation (c2, trial)" is report-only' };
    }
    return { ...base, requiresMfa: false, how: null, fixable: true, reason: 'activation asks only for Justification, not MFA' };
  });
}

/** P2 with eligible admins, and PIM activation that lacks MFA for most roles. */
export function p2WithPimGaps(): StatusReport {
  const report = p2WithEligibleAdmins();
  const pimActivation = pimVerdicts();
  const roleIds = pimActivation.filter((v) => v.fixable).map((v) => v.roleId);
  return { ...report, pimActivation, pimFix: { allowed: true, roleIds, reason: `${roleIds.length} admin roles can be activated without MFA.` } };
}

/** A Free tenant with security defaults on, registration read from each admin's methods (one unreadable). */
export function freeFromMethods(): StatusReport {
  return makeReport({
    admins: [
      admin({ upn: 'ana@woodgrove.example', name: 'Ana Alvarez', roles: [role(ROLE.globalAdministrator)], mfa: true }),
      admin({ upn: 'ben@woodgrove.example', name: 'Ben Bauer', roles: [role(ROLE.globalAdministrator)], mfa: false }),
      admin({ upn: 'ema@woodgrove.example', name: 'Ema Eriksen', roles: [role(ROLE.helpdeskAdministrator)], mfa: null }),
    ],
    licence: 'free',
    securityDefaultsEnabled: true,
    covered: [],
    registrationSource: 'authenticationMethods',
    caveats: [{ area: 'registration', message: "The registration report needs Entra ID P1 or P2, so MFA registration comes from each admin's authentication methods, and those of 1 admin could not be read; they show as unknown.", missing: 'UserAuthenticationMethod.Read.All' }],
  });
}

/** The days after enforcement: `stuck` admins stopped and not through (some had to register), one through. */
export function aftermath(stuck = 2): EnforcementAftermath {
  const person = (n: number, through: boolean): StuckAdmin => ({
    userId: userId(9_000 + n), userPrincipalName: `stopped.admin.${n}@contoso.example`, displayName: `Stopped Admin ${n}`,
    interruptions: 1 + (n % 3), firstInterruptedAt: '2025-11-24T10:00:00Z', errorCode: n % 2 === 0 ? 50079 : 50074, mustRegister: n % 2 === 0,
    through, throughAt: through ? '2025-11-25T08:00:00Z' : null,
  });
  return {
    policyId: POLICY_ID, enforcedAt: '2025-11-24T09:00:00Z', until: NOW.toISOString(), readable: true,
    admins: [...Array.from({ length: stuck }, (_, i) => person(i, false)), person(stuck, true)],
  };
}
