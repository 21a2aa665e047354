import assert from 'node:assert/strict';
import type { ConditionalAccessPolicy } from '@microsoft/microsoft-graph-types';
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
});
