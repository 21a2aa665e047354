import assert from 'node:assert/strict';
import { buildAdmins, worstFirst } from '../../src/domain/admins';
import type { DirectoryUser, PrincipalRef, RoleGrant, TenantFacts } from '../../src/domain/facts';
import { ROLE } from '../../src/domain/roles';
import type { Activation, Admin } from '../../src/domain/types';

const GA = ROLE.globalAdministrator;
const SEC = ROLE.securityAdministrator;
const BILLING = ROLE.billingAdministrator;
const TEAMS = ROLE.teamsAdministrator;
const SCOPE = [GA, SEC, BILLING];

function facts(overrides: Partial<TenantFacts> = {}): TenantFacts {
  return {
    tenantId: 'tenant-1',
    tenantName: 'Fabrikam',
    grants: [],
    groupMembers: {},
    registrations: {},
    policies: [],
    mfaStrengthIds: [],
    securityDefaultsEnabled: false,
    licence: 'p1',
    secureScore: null,
    roleNames: {},
    caveats: [],
    graphRequests: 0,
    readAt: '2025-05-02T08:00:00.000Z',
    ...overrides,
  };
}

function user(id: string, userPrincipalName = `${id}@fabrikam.example`): DirectoryUser {
  return { id, userPrincipalName, displayName: `User ${id}`, accountEnabled: true };
}

function asUser(u: DirectoryUser): PrincipalRef {
  return { kind: 'user', ...u };
}

const group = (id: string, displayName: string): PrincipalRef => ({ kind: 'group', id, displayName });

function grant(roleId: string, principal: PrincipalRef, activation: Activation = 'active'): RoleGrant {
  return { roleId, activation, principal, directoryScopeId: '/' };
}

describe('buildAdmins', () => {
  it('a user with a direct active assignment of a role in scope is an admin', () => {
    const ines = user('ines');

    const { admins } = buildAdmins(facts({ grants: [grant(GA, asUser(ines))] }), SCOPE);

    assert.deepEqual(admins, [
      {
        id: 'ines',
        userPrincipalName: 'ines@fabrikam.example',
        displayName: 'User ines',
        accountEnabled: true,
        roles: [{ roleId: GA, activation: 'active', via: 'direct' }],
        mfaRegistered: null,
      },
    ]);
  });

  it('a PIM-eligible user is an admin too', () => {
    const { admins } = buildAdmins(facts({ grants: [grant(SEC, asUser(user('eli')), 'eligible')] }), SCOPE);

    assert.deepEqual(admins[0]?.roles, [{ roleId: SEC, activation: 'eligible', via: 'direct' }]);
  });

  it('grants of roles outside the scope are ignored', () => {
    const { admins } = buildAdmins(facts({ grants: [grant(TEAMS, asUser(user('tom')))] }), SCOPE);

    assert.deepEqual(admins, []);
  });

  it('every transitive member of a group holding a role becomes an admin through that group', () => {
    const f = facts({
      grants: [grant(GA, group('g-1', 'GA owners'), 'eligible')],
      groupMembers: { 'g-1': [user('ann'), user('bob')] },
    });

    const { admins } = buildAdmins(f, SCOPE);

    assert.deepEqual(admins.map((a) => a.id), ['ann', 'bob']);
    for (const admin of admins) {
      assert.deepEqual(admin.roles, [{ roleId: GA, activation: 'eligible', via: 'group', groupId: 'g-1', groupName: 'GA owners' }]);
    }
  });

  it('one admin per user, keeping both an active and an eligible entry for the same role', () => {
    const ann = user('ann');
    const f = facts({
      grants: [grant(GA, asUser(ann)), grant(GA, asUser(ann), 'eligible'), grant(GA, asUser(ann)), grant(SEC, group('g-1', 'Sec'))],
      groupMembers: { 'g-1': [ann] },
    });

    const { admins } = buildAdmins(f, SCOPE);

    assert.equal(admins.length, 1);
    assert.deepEqual(admins[0]?.roles, [
      { roleId: GA, activation: 'active', via: 'direct' },
      { roleId: GA, activation: 'eligible', via: 'direct' },
      { roleId: SEC, activation: 'active', via: 'group', groupId: 'g-1', groupName: 'Sec' },
    ]);
  });

  it('service principals holding roles are reported apart and never counted as admins', () => {
    const sp: PrincipalRef = { kind: 'servicePrincipal', id: 'sp-1', displayName: 'Deploy bot', appId: 'app-1' };

    const result = buildAdmins(facts({ grants: [grant(GA, sp), grant(SEC, sp), grant(GA, sp)] }), SCOPE);

    assert.deepEqual(result.admins, []);
    assert.deepEqual(result.servicePrincipals, [{ id: 'sp-1', displayName: 'Deploy bot', appId: 'app-1', roleIds: [GA, SEC] }]);
  });

  it('principals of unknown type are ignored', () => {
    const odd: PrincipalRef = { kind: 'unknown', id: 'x-1', displayName: null };

    const result = buildAdmins(facts({ grants: [grant(GA, odd)] }), SCOPE);

    assert.deepEqual(result, { admins: [], servicePrincipals: [] });
  });

  it('MFA registration comes from the report, and a missing row is unknown, never registered', () => {
    const f = facts({
      grants: [grant(GA, asUser(user('yes'))), grant(GA, asUser(user('no'))), grant(GA, asUser(user('unseen')))],
      registrations: { yes: true, no: false },
    });

    const { admins } = buildAdmins(f, SCOPE);

    assert.deepEqual(admins.map((a) => [a.id, a.mfaRegistered]), [['no', false], ['unseen', null], ['yes', true]]);
  });

  it('admins are sorted by userPrincipalName, ignoring letter case', () => {
    const f = facts({
      grants: [
        grant(GA, asUser(user('1', 'Zoe@fabrikam.example'))),
        grant(GA, asUser(user('2', 'adam@fabrikam.example'))),
        grant(GA, asUser(user('3', 'Bea@fabrikam.example'))),
      ],
    });

    const { admins } = buildAdmins(f, SCOPE);

    assert.deepEqual(admins.map((a) => a.userPrincipalName), ['adam@fabrikam.example', 'Bea@fabrikam.example', 'Zoe@fabrikam.example']);
  });

  it('an id-only principal takes its names from a richer source of the same user', () => {
    const bare: PrincipalRef = { kind: 'user', id: 'ann', displayName: null, userPrincipalName: null };
    const f = facts({ grants: [grant(GA, bare), grant(SEC, group('g-1', 'Sec'))], groupMembers: { 'g-1': [user('ann')] } });

    const { admins } = buildAdmins(f, SCOPE);

    assert.equal(admins[0]?.userPrincipalName, 'ann@fabrikam.example');
    assert.equal(admins[0]?.displayName, 'User ann');
  });
});

describe('worstFirst', () => {
  function admin(id: string, mfaRegistered: boolean | null, roles: Array<[string, Activation]>): Admin {
    return {
      id,
      userPrincipalName: `${id}@fabrikam.example`,
      displayName: id,
      accountEnabled: true,
      roles: roles.map(([roleId, activation]) => ({ roleId, activation, via: 'direct' })),
      mfaRegistered,
    };
  }

  it('puts admins not known to be registered first, then the most dangerous role, then active before eligible-only', () => {
    const admins = [
      admin('registered-ga', true, [[GA, 'active']]),
      admin('billing', false, [[BILLING, 'active']]),
      admin('eligible-ga', false, [[GA, 'eligible']]),
      admin('unknown-ga', null, [[GA, 'active']]),
      admin('active-ga', false, [[BILLING, 'eligible'], [GA, 'active']]),
    ];

    const ordered = worstFirst(admins).map((a) => a.id);

    assert.deepEqual(ordered, ['active-ga', 'unknown-ga', 'eligible-ga', 'billing', 'registered-ga']);
  });

  it('treats unregistered and unknown alike, ordering them by userPrincipalName on a tie', () => {
    const ordered = worstFirst([admin('b', false, [[GA, 'active']]), admin('a', null, [[GA, 'active']])]).map((a) => a.id);

    assert.deepEqual(ordered, ['a', 'b']);
  });

  it('does not reorder the list it is given', () => {
    const admins = [admin('z', true, [[GA, 'active']]), admin('a', false, [[GA, 'active']])];

    worstFirst(admins);

    assert.deepEqual(admins.map((a) => a.id), ['z', 'a']);
  });
});
