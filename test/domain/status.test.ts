import assert from 'node:assert/strict';
import type { ConditionalAccessGrantControl, ConditionalAccessPolicy } from '@microsoft/microsoft-graph-types';
import type { DirectoryUser, PrincipalRef, RoleGrant, TenantFacts } from '../../src/domain/facts';
import type { AdviceKind, StatusReport } from '../../src/domain/report';
import { ROLE } from '../../src/domain/roles';
import { buildStatusReport, type StatusSettings } from '../../src/domain/status';
import type { Activation } from '../../src/domain/types';

const GA = ROLE.globalAdministrator;
const SEC = ROLE.securityAdministrator;
const BILLING = ROLE.billingAdministrator;
const MFA_STRENGTH = '00000000-0000-0000-0000-000000000002';
const NOW = new Date('2025-05-02T09:30:00Z');
const SETTINGS: StatusSettings = { roleIds: [BILLING, GA, SEC], breakGlassUserIds: ['bg-1'], exclusionGroupId: null };

function facts(overrides: Partial<TenantFacts> = {}): TenantFacts {
  return {
    tenantId: 'tenant-1',
    tenantName: 'Fabrikam',
    grants: [],
    groupMembers: {},
    registrations: {},
    policies: [],
    mfaStrengthIds: [MFA_STRENGTH],
    securityDefaultsEnabled: false,
    licence: 'p1',
    secureScore: null,
    roleNames: {},
    caveats: [],
    graphRequests: 7,
    readAt: '2025-05-02T09:29:00.000Z',
    ...overrides,
  };
}

function user(id: string): DirectoryUser {
  return { id, userPrincipalName: `${id}@fabrikam.example`, displayName: id, accountEnabled: true };
}

function grant(roleId: string, principal: PrincipalRef | DirectoryUser, activation: Activation = 'active'): RoleGrant {
  return { roleId, activation, principal: 'kind' in principal ? principal : { kind: 'user', ...principal }, directoryScopeId: '/' };
}

/** Enabled policy requiring the MFA authentication strength for the given roles, excluding break-glass. */
function mfaPolicy(roleIds: string[]): ConditionalAccessPolicy {
  return {
    id: 'p-mfa',
    displayName: 'Require MFA for admins',
    state: 'enabled',
    conditions: {
      clientAppTypes: ['all'],
      users: { includeRoles: roleIds, excludeUsers: ['bg-1'] },
      applications: { includeApplications: ['All'] },
    },
    grantControls: { operator: 'OR', authenticationStrength: { id: MFA_STRENGTH } },
  };
}

function adviceText(report: StatusReport, kind: AdviceKind): string {
  return report.advice.filter((a) => a.kind === kind).map((a) => a.text).join('\n');
}

describe('buildStatusReport', () => {
  it('counts admins by MFA registration, with a missing row counted as unknown', () => {
    const f = facts({
      grants: [grant(GA, user('a')), grant(SEC, user('b')), grant(SEC, user('c')), grant(GA, user('a'), 'eligible')],
      registrations: { a: true, b: false },
    });

    const report = buildStatusReport(f, SETTINGS, NOW);

    assert.deepEqual(report.totals, { admins: 3, registered: 1, unregistered: 1, unknown: 1 });
    assert.deepEqual(report.admins.map((a) => a.id), ['a', 'b', 'c']);
  });

  it('summarises every role in scope worst first, counting distinct users', () => {
    const group: PrincipalRef = { kind: 'group', id: 'g-1', displayName: 'GA eligible' };
    const f = facts({
      grants: [
        grant(GA, user('a')),
        grant(GA, user('a'), 'eligible'),
        grant(GA, group, 'eligible'),
        grant(SEC, user('c'), 'eligible'),
      ],
      groupMembers: { 'g-1': [user('a'), user('b')] },
      registrations: { a: true, b: false },
    });

    const report = buildStatusReport(f, SETTINGS, NOW);

    assert.deepEqual(
      report.roles.map(({ roleId, rank, admins, active, eligible, unregistered, unknown }) => ({
        roleId, rank, admins, active, eligible, unregistered, unknown,
      })),
      [
        { roleId: GA, rank: 1, admins: 2, active: 1, eligible: 1, unregistered: 1, unknown: 0 },
        { roleId: SEC, rank: 4, admins: 1, active: 0, eligible: 1, unregistered: 0, unknown: 1 },
        { roleId: BILLING, rank: 16, admins: 0, active: 0, eligible: 0, unregistered: 0, unknown: 0 },
      ],
    );
  });

  it('judges policies with the tenant\'s MFA strength ids and the declared break-glass accounts', () => {
    const report = buildStatusReport(facts({ policies: [mfaPolicy([GA, SEC, BILLING])] }), SETTINGS, NOW);

    assert.equal(report.policy.covered, true);
    assert.deepEqual(report.roles.find((r) => r.roleId === GA)?.coverage.coveredBy, ['p-mfa']);
  });

  it('passes through tenant, caveats, request count, licence and security defaults, and stamps the time', () => {
    const caveats = [{ area: 'pim' as const, message: 'PIM needs P2', missing: 'Entra ID P2' }];

    const report = buildStatusReport(facts({ caveats, graphRequests: 12 }), SETTINGS, NOW);

    assert.equal(report.tenantId, 'tenant-1');
    assert.equal(report.tenantName, 'Fabrikam');
    assert.deepEqual(report.caveats, caveats);
    assert.equal(report.graphRequests, 12);
    assert.equal(report.licence, 'p1');
    assert.equal(report.securityDefaultsEnabled, false);
    assert.equal(report.generatedAt, '2025-05-02T09:30:00.000Z');
  });

  it('lists service principals apart and advises that they are not counted', () => {
    const sp: PrincipalRef = { kind: 'servicePrincipal', id: 'sp-1', displayName: 'Deploy', appId: 'app-1' };

    const report = buildStatusReport(facts({ grants: [grant(GA, sp)] }), SETTINGS, NOW);

    assert.equal(report.totals.admins, 0);
    assert.equal(report.servicePrincipals.length, 1);
    assert.match(adviceText(report, 'servicePrincipals'), /1 service principal holds admin roles.*not counted/);
  });

  describe('advice', () => {
    it('on a free tenant, points to security defaults', () => {
      const report = buildStatusReport(facts({ licence: 'free' }), SETTINGS, NOW);

      assert.equal(
        adviceText(report, 'licence'),
        'Conditional Access needs Microsoft Entra ID P1. Without it, turn on security defaults: they require MFA for admins for free.',
      );
    });

    it('on P1, says Conditional Access is available and what P2 would add', () => {
      assert.match(adviceText(buildStatusReport(facts({ licence: 'p1' }), SETTINGS, NOW), 'licence'), /P1: Conditional Access is available.*PIM/);
    });

    it('on P2, says PIM is available and how many admins are eligible-only', () => {
      const f = facts({ licence: 'p2', grants: [grant(GA, user('a'), 'eligible'), grant(SEC, user('b'))] });

      const report = buildStatusReport(f, SETTINGS, NOW);

      assert.match(adviceText(report, 'licence'), /PIM/);
      assert.match(adviceText(report, 'pim'), /1 admin is only eligible/);
    });

    it('when security defaults are on, explains they already require MFA and must be turned off for CA', () => {
      const report = buildStatusReport(facts({ securityDefaultsEnabled: true }), SETTINGS, NOW);

      assert.match(adviceText(report, 'securityDefaults'), /already require MFA for admin roles.*must be turned off first/);
    });

    it('names how many roles Conditional Access does not enforce', () => {
      const report = buildStatusReport(facts({ policies: [mfaPolicy([GA])] }), SETTINGS, NOW);

      assert.match(adviceText(report, 'policy'), /does not enforce MFA for 2 admin roles of 3 in scope: Security Administrator, Billing Administrator\./);
    });

    it('asks to nudge admins who are not registered or whose state is unknown', () => {
      const f = facts({ grants: [grant(GA, user('a')), grant(GA, user('b')), grant(GA, user('c'))], registrations: { a: true, b: false } });

      const report = buildStatusReport(f, SETTINGS, NOW);

      assert.match(adviceText(report, 'registration'), /^2 admins are not registered for MFA.*: nudge them\.$/);
    });

    it('says so when every admin is registered', () => {
      const report = buildStatusReport(facts({ grants: [grant(GA, user('a'))], registrations: { a: true } }), SETTINGS, NOW);

      assert.equal(adviceText(report, 'registration'), 'Every admin is registered for MFA.');
    });
  });

  describe('create policy action', () => {
    it('is offered when roles are uncovered, CA is licensed and security defaults are off', () => {
      const report = buildStatusReport(facts({ licence: 'p2', securityDefaultsEnabled: false }), SETTINGS, NOW);

      assert.equal(report.createPolicy.allowed, true);
    });

    it('is not offered when every role is already covered', () => {
      const report = buildStatusReport(facts({ policies: [mfaPolicy([GA, SEC, BILLING])] }), SETTINGS, NOW);

      assert.deepEqual(report.createPolicy.allowed, false);
      assert.match(report.createPolicy.reason, /already requires MFA/);
    });

    it('is not offered on a free tenant, where security defaults are the option', () => {
      const report = buildStatusReport(facts({ licence: 'free' }), SETTINGS, NOW);

      assert.equal(report.createPolicy.allowed, false);
      assert.match(report.createPolicy.reason, /P1.*security defaults are the option/);
    });

    it('is not offered while security defaults are on', () => {
      const report = buildStatusReport(facts({ securityDefaultsEnabled: true }), SETTINGS, NOW);

      assert.equal(report.createPolicy.allowed, false);
      assert.match(report.createPolicy.reason, /Security defaults are on: they must be turned off first/);
    });

    it('is not offered when the licence or security defaults could not be read, naming what is unknown', () => {
      const unknownLicence = buildStatusReport(facts({ licence: null }), SETTINGS, NOW);
      const unknownDefaults = buildStatusReport(facts({ securityDefaultsEnabled: null }), SETTINGS, NOW);

      assert.equal(unknownLicence.createPolicy.allowed, false);
      assert.match(unknownLicence.createPolicy.reason, /Could not read the Entra ID licence/);
      assert.equal(unknownDefaults.createPolicy.allowed, false);
      assert.match(unknownDefaults.createPolicy.reason, /Could not read whether security defaults are on/);
    });
  });

  describe('Conditional Access per admin', () => {
    const BROWSERS = ['browser', 'mobileAppsAndDesktopClients'];
    const policy = (id: string, users: Record<string, unknown>, extra: Record<string, unknown> = {}, grant: ConditionalAccessGrantControl[] = ['mfa']): ConditionalAccessPolicy => ({
      id, displayName: id, state: 'enabled',
      conditions: { clientAppTypes: ['all'], applications: { includeApplications: ['All'] }, users, ...extra },
      grantControls: { operator: 'OR', builtInControls: grant },
    });
    const ca = (report: StatusReport, id: string) => report.admins.find((a) => a.id === id)?.ca;

    it('judges each admin over the whole sign-in space: split policies cover, one excluded role of two does not', () => {
      const f = facts({
        grants: [grant(GA, user('a')), grant(SEC, user('b')), grant(GA, user('c')), grant(SEC, user('c'))],
        policies: [
          policy('modern', { includeUsers: ['All'], excludeRoles: [SEC] }, { clientAppTypes: BROWSERS }),
          policy('legacy', { includeUsers: ['All'] }, { clientAppTypes: ['exchangeActiveSync', 'other'] }, ['block']),
          policy('sec', { includeRoles: [SEC], excludeRoles: [GA] }, { clientAppTypes: BROWSERS }),
        ],
      });

      const report = buildStatusReport(f, { ...SETTINGS, roleIds: [GA, SEC] }, NOW);

      assert.deepEqual(report.policy.uncoveredRoleIds, [], 'each role alone is covered');
      assert.equal(ca(report, 'a')?.caCovered, true);
      assert.equal(ca(report, 'b')?.caCovered, true);
      const both = ca(report, 'c');
      assert.equal(both?.caCovered, false, 'holding the excluded role takes the all-users policy away');
      assert.deepEqual(both?.unprotectedSignIn?.clientAppType, 'browser');
      assert.deepEqual(report.adminCa, { covered: 2, uncovered: 1, excluded: 0, uncoveredEligible: 0, signatures: 3 });
      assert.deepEqual(report.roles.map((r) => [r.displayName, r.caUncovered]), [['Global Administrator', 1], ['Security Administrator', 1]]);
      assert.match(adviceText(report, 'policy'), /every admin role in scope \(2\), but 1 admin can still sign in without MFA/);
      assert.equal(report.createPolicy.allowed, true);
      assert.match(report.createPolicy.reason, /^1 admin can sign in without MFA; a report-only policy/);
    });

    it('counts group-targeted policies for the members read, and never for a group not read in full', () => {
      const f = facts({
        grants: [grant(SEC, user('in')), grant(SEC, user('out')), grant(SEC, user('unsure'))],
        policies: [policy('staff', { includeGroups: ['G-Staff'] }), policy('big', { includeGroups: ['g-big'] })],
        groupMembership: { 'g-staff': { memberIds: ['in'], complete: true }, 'g-big': { memberIds: ['out'], complete: false } },
      });

      const report = buildStatusReport(f, SETTINGS, NOW);

      assert.equal(ca(report, 'in')?.caCovered, true);
      assert.equal(ca(report, 'out')?.caCovered, true, 'found among the members read');
      assert.deepEqual([ca(report, 'unsure')?.caCovered, ca(report, 'unsure')?.uncertainGroups], [false, ['g-big']]);
      assert.match(ca(report, 'unsure')?.gap?.closest.map((m) => m.reasons.join('; ')).join('\n') ?? '', /g-big, whose members MfaBot could not all read/);
    });

    it('takes a group that matters but was not read as unknown, and a role-assignable group it read as known', () => {
      const roleGroup: PrincipalRef = { kind: 'group', id: 'g-role', displayName: 'Tier 0' };
      const f = facts({
        grants: [grant(SEC, roleGroup), grant(SEC, user('b'))],
        groupMembers: { 'g-role': [user('a')] },
        policies: [policy('excl', { includeRoles: [SEC], excludeGroups: ['g-role', 'g-unread'] })],
      });

      const report = buildStatusReport(f, SETTINGS, NOW);

      assert.equal(ca(report, 'a')?.caCovered, false, 'in the excluded role group');
      assert.deepEqual([ca(report, 'b')?.caCovered, ca(report, 'b')?.uncertainGroups], [false, ['g-unread']]);
    });

    it('judges PIM-eligible admins as if activated, and advises about those left uncovered', () => {
      const f = facts({
        grants: [grant(GA, user('e'), 'eligible'), grant(SEC, user('s'), 'eligible')],
        policies: [policy('ga', { includeRoles: [GA] })],
        licence: 'p2',
      });

      const report = buildStatusReport(f, SETTINGS, NOW);

      assert.deepEqual([ca(report, 'e')?.caCovered, ca(report, 'e')?.evaluatedAsActivated], [true, [GA]]);
      assert.deepEqual([ca(report, 's')?.caCovered, ca(report, 's')?.evaluatedAsActivated], [false, [SEC]]);
      assert.equal(report.adminCa.uncoveredEligible, 1);
      assert.match(adviceText(report, 'pim'), /1 admin who is only eligible for a role could sign in without MFA once they activate it/);
    });

    it('reports declared break-glass accounts, users or groups, and exclusion-group members as excluded, not covered', () => {
      const f = facts({
        grants: [grant(GA, user('bg-1')), grant(GA, user('m')), grant(GA, user('svc')), grant(GA, user('x'))],
        policies: [policy('ga', { includeRoles: [GA], excludeUsers: ['bg-1'], excludeGroups: ['g-glass', 'g-svc'] })],
        groupMembership: { 'g-glass': { memberIds: ['m'], complete: true }, 'g-svc': { memberIds: ['svc'], complete: true } },
      });

      const report = buildStatusReport(f, { ...SETTINGS, roleIds: [GA], breakGlassUserIds: ['bg-1', 'g-glass'], exclusionGroupIds: ['g-svc'] }, NOW);

      assert.deepEqual(['bg-1', 'm', 'svc', 'x'].map((id) => [ca(report, id)?.caCovered, ca(report, id)?.sanctionedExclusion?.kind ?? null]), [
        ['excluded', 'breakGlass'], ['excluded', 'breakGlass'], ['excluded', 'exclusionGroup'], [true, null],
      ]);
      assert.equal(report.policy.covered, true);
      assert.match(adviceText(report, 'policy'), /3 admins are left out on purpose/);
      assert.equal(report.createPolicy.allowed, false);
    });

    it('matches guest exclusions to admins the tenant marks as guests', () => {
      const guest: PrincipalRef = { kind: 'user', id: 'g', displayName: 'Guest', userPrincipalName: 'g#EXT#@fabrikam.example', accountEnabled: true, userType: 'Guest' };
      const f = facts({
        grants: [grant(GA, guest), grant(GA, user('m'))],
        policies: [policy('ga', { includeRoles: [GA], excludeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'b2bCollaborationGuest' } })],
      });

      const report = buildStatusReport(f, SETTINGS, NOW);

      assert.equal(report.admins.find((a) => a.id === 'g')?.guest, true);
      assert.deepEqual([ca(report, 'g')?.caCovered, ca(report, 'm')?.caCovered], [false, true]);
    });

    it('trusts the named locations the tenant marks trusted: excluding them leaves a gap another policy may close', () => {
      const HQ = 'l-hq';
      const away = policy('away', { includeRoles: [GA] }, { locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } });
      const atHq = policy('hq', { includeRoles: [GA] }, { locations: { includeLocations: [HQ] } });
      const named = [{ '@odata.type': '#microsoft.graph.ipNamedLocation', id: HQ, displayName: 'HQ', isTrusted: true }];

      const gap = buildStatusReport(facts({ grants: [grant(GA, user('a'))], policies: [away], namedLocations: named }), SETTINGS, NOW);
      const closed = buildStatusReport(facts({ grants: [grant(GA, user('a'))], policies: [away, atHq], namedLocations: named }), SETTINGS, NOW);
      const untrusted = buildStatusReport(facts({ grants: [grant(GA, user('a'))], policies: [away, atHq], namedLocations: [] }), SETTINGS, NOW);

      assert.equal(ca(gap, 'a')?.caCovered, false);
      assert.equal(ca(gap, 'a')?.unprotectedSignIn?.location, 'trusted elsewhere');
      assert.equal(ca(closed, 'a')?.caCovered, false, 'trusted places other than HQ are still left out');
      assert.equal(ca(closed, 'a')?.unprotectedSignIn?.location, 'trusted elsewhere');
      const everywhere = policy('trusted', { includeRoles: [GA] }, { locations: { includeLocations: ['AllTrusted'] } });
      const covered = buildStatusReport(facts({ grants: [grant(GA, user('a'))], policies: [away, everywhere], namedLocations: named }), SETTINGS, NOW);
      assert.equal(ca(covered, 'a')?.caCovered, true);
      assert.equal(ca(untrusted, 'a')?.caCovered, false);
    });
  });
});
