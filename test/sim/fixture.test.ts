import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { evaluatePolicies } from '../../src/domain/coverage';
import { ROLE, ROLE_LISTS } from '../../src/domain/roles';
import {
  DEMO_APPROVER_IDS, DEMO_BREAK_GLASS_IDS, DEMO_EXCLUSION_GROUP_ID, DEMO_TENANT_ID, demoTenant,
} from '../../src/sim/demo';
import { loadFixtureFile, parseFixture, tenantFixtureSchema, type TenantFixtureInput } from '../../src/sim/fixture';
import { generateTenant } from '../../src/sim/generate';
import { adminTotals } from './helpers';

const TEMPLATE = ROLE_LISTS.template ?? [];

function minimal(): TenantFixtureInput {
  return {
    organization: { id: 't1', displayName: 'Tiny' },
    users: [{ id: 'u1', userPrincipalName: 'u1@tiny.example', displayName: 'U One', accountEnabled: true }],
    identitySecurityDefaultsEnforcementPolicy: { isEnabled: true },
  };
}

describe('tenant fixture', () => {
  it('accepts a minimal fixture and fills in the built-in catalogues', () => {
    const t = parseFixture(minimal());
    assert.ok(t.roleDefinitions.some((d) => d.id === ROLE.globalAdministrator && d.isBuiltIn && d.templateId === ROLE.globalAdministrator));
    assert.deepEqual(t.authenticationStrengthPolicies.map((s) => [s.id, s.displayName, s.requirementsSatisfied, s.policyType]), [
      ['00000000-0000-0000-0000-000000000002', 'Multifactor authentication', 'mfa', 'builtIn'],
      ['00000000-0000-0000-0000-000000000003', 'Passwordless MFA', 'mfa', 'builtIn'],
      ['00000000-0000-0000-0000-000000000004', 'Phishing-resistant MFA', 'mfa', 'builtIn'],
    ]);
    assert.deepEqual(t.groups, []);
  });

  it('rejects an unknown top-level key and names it', () => {
    assert.throws(() => parseFixture({ ...minimal(), grups: [] }), /unknown key 'grups'/);
  });

  it('lists every problem with its path in one error', () => {
    const bad = { ...minimal(), users: [{ id: 'u1', displayName: 'x', accountEnabled: 'yes' }], extra: 1 };
    assert.throws(() => parseFixture(bad), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.match(err.message, /users\[0\]\.userPrincipalName: Required/);
      assert.match(err.message, /users\[0\]\.accountEnabled: Expected boolean/);
      assert.match(err.message, /unknown key 'extra'/);
      return true;
    });
  });

  it('rejects references to objects that do not exist', () => {
    const bad = {
      ...minimal(),
      roleAssignments: [
        { id: 'a1', principalId: 'ghost', roleDefinitionId: ROLE.globalAdministrator },
        { id: 'a2', principalId: 'u1', roleDefinitionId: 'global-admin' },
      ],
      userRegistrationDetails: [{ id: 'u2', userPrincipalName: 'x', userDisplayName: 'x', isMfaRegistered: true }],
    };
    assert.throws(() => parseFixture(bad), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.match(err.message, /roleAssignments\[0\]\.principalId: unknown principal id 'ghost'/);
      assert.match(err.message, /roleAssignments\[1\]\.roleDefinitionId: unknown role definition id 'global-admin'/);
      assert.match(err.message, /userRegistrationDetails\[0\]\.id: no user with id 'u2'/);
      return true;
    });
  });

  it('loads a fixture PowerShell wrote with a byte order mark', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mfabot-sim-'));
    const file = path.join(dir, 'bom.json');
    writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(minimal()))]));
    assert.equal(loadFixtureFile(file).organization.displayName, 'Tiny');
  });

  it('accepts group members it does not describe, such as devices', () => {
    const t = parseFixture({ ...minimal(), groups: [{ id: 'g1', displayName: 'G', members: ['u1', 'a-device-id'] }] });
    assert.deepEqual(t.groups[0]?.members, ['u1', 'a-device-id']);
  });

  it('matches ids whatever their letter case, as Graph does', () => {
    const GUID_USER = 'A1000000-0000-4000-8000-0000000000AA';
    const t = parseFixture({
      ...minimal(),
      users: [{ id: GUID_USER.toLowerCase(), userPrincipalName: 'x@tiny.example', displayName: 'X', accountEnabled: true }],
      groups: [{ id: 'g1', displayName: 'G', members: [GUID_USER] }],
      roleAssignments: [{ id: 'a1', principalId: GUID_USER, roleDefinitionId: ROLE.globalAdministrator.toUpperCase() }],
      userRegistrationDetails: [{ id: GUID_USER, userPrincipalName: 'x', userDisplayName: 'x', isMfaRegistered: true }],
    });
    assert.equal(t.roleAssignments.length, 1);
    assert.throws(() => parseFixture({ ...minimal(), groups: [{ id: 'U1', displayName: 'G' }] }), /groups\[0\]\.id: duplicate id 'U1'/);
  });

  it('accepts an assignment of any built-in role template id, not only those MfaBot names', () => {
    const directoryReaders = '88d8e3e3-8f55-4a1e-953a-9b9898b8876b';
    const t = parseFixture({ ...minimal(), roleAssignments: [{ id: 'a1', principalId: 'u1', roleDefinitionId: directoryReaders }] });
    assert.equal(t.roleAssignments[0]?.roleDefinitionId, directoryReaders);
  });

  it('keeps the built-in roles and strengths beside the ones a fixture lists', () => {
    const t = parseFixture({
      ...minimal(),
      roleDefinitions: [{ id: 'custom-1', displayName: 'Custom', isBuiltIn: false, templateId: null }],
      authenticationStrengthPolicies: [{ id: 'keys', displayName: 'Keys', policyType: 'custom', requirementsSatisfied: 'mfa' }],
      roleAssignments: [{ id: 'a1', principalId: 'u1', roleDefinitionId: ROLE.globalAdministrator }],
    });
    assert.ok(t.roleDefinitions.some((d) => d.id === 'custom-1'));
    assert.ok(t.roleDefinitions.some((d) => d.id === ROLE.globalAdministrator && d.isBuiltIn));
    assert.deepEqual(t.authenticationStrengthPolicies.map((s) => s.id),
      ['keys', '00000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-000000000003', '00000000-0000-0000-0000-000000000004']);
  });

  it('fills what Graph always returns from the user: registration names, and accountEnabled true', () => {
    const t = parseFixture({
      ...minimal(),
      users: [{ id: 'u1', userPrincipalName: 'u1@tiny.example', displayName: 'U One' }],
      userRegistrationDetails: [{ id: 'u1', isMfaRegistered: false }],
    });
    assert.equal(t.users[0]?.accountEnabled, true);
    assert.equal(t.userRegistrationDetails[0]?.userPrincipalName, 'u1@tiny.example');
    assert.equal(t.userRegistrationDetails[0]?.userDisplayName, 'U One');
  });

  it('rejects a policy whose collections do not have Graph\'s types, naming the property', () => {
    const policy = {
      id: 'p1', displayName: 'P', state: 'enabled',
      conditions: { users: { includeRoles: [ROLE.globalAdministrator] }, platforms: { includePlatforms: 'all' } },
    };
    assert.throws(() => parseFixture({ ...minimal(), conditionalAccessPolicies: [policy] }),
      /conditionalAccessPolicies\[0\]: policy has conditions\.platforms\.includePlatforms that is not an array of strings/);
  });

  it('accepts eligibility in the schedule\'s shape (scheduleInfo) and checks its dates', () => {
    const schedule = (expiration: Record<string, unknown>) => ({
      ...minimal(),
      roleEligibilitySchedules: [{ id: 'e1', principalId: 'u1', roleDefinitionId: ROLE.globalAdministrator, scheduleInfo: { startDateTime: '2026-01-01T00:00:00Z', expiration } }],
    });
    assert.equal(parseFixture(schedule({ type: 'afterDuration', duration: 'P30D' })).roleEligibilitySchedules.length, 1);
    assert.throws(() => parseFixture(schedule({ type: 'afterDateTime', endDateTime: 'soon' })), /endDateTime: not an ISO-8601 date-time/);
    assert.throws(() => parseFixture(schedule({ type: 'afterDuration', duration: '30 days' })), /duration: not an ISO-8601 duration/);
  });

  it('takes named locations in Graph\'s two shapes, trust only on IP ranges, and refuses what Graph would not serve', () => {
    const ip = { '@odata.type': '#microsoft.graph.ipNamedLocation', id: 'l1', displayName: 'HQ', isTrusted: true, ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '203.0.113.0/24' }] };
    const country = { '@odata.type': '#microsoft.graph.countryNamedLocation', id: 'l2', displayName: 'Blocked', countriesAndRegions: ['KP'] };
    const t = parseFixture({ ...minimal(), namedLocations: [ip, country] });
    assert.deepEqual(t.namedLocations.map((l) => [l.id, l['@odata.type']]), [['l1', '#microsoft.graph.ipNamedLocation'], ['l2', '#microsoft.graph.countryNamedLocation']]);
    assert.equal(t.namedLocations[1]?.['@odata.type'] === '#microsoft.graph.countryNamedLocation' && t.namedLocations[1].countryLookupMethod, 'clientIpAddress');
    assert.deepEqual(parseFixture(minimal()).namedLocations, []);

    assert.throws(() => parseFixture({ ...minimal(), namedLocations: [{ ...country, isTrusted: true }] }), /namedLocations\[0\]: unknown key 'isTrusted'/);
    assert.throws(() => parseFixture({ ...minimal(), namedLocations: [{ ...ip, ipRanges: [] }] }), /namedLocations\[0\]\.ipRanges/);
    assert.throws(() => parseFixture({ ...minimal(), namedLocations: [{ ...country, countriesAndRegions: ['Norway'] }] }), /not a two-letter country code/);
    assert.throws(() => parseFixture({ ...minimal(), namedLocations: [ip, { ...country, id: 'L1' }] }), /namedLocations\[1\]\.id: duplicate id 'L1'/);
  });

  it('loads a file and names it in errors', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mfabot-sim-'));
    const good = path.join(dir, 'good.json');
    const bad = path.join(dir, 'bad.json');
    writeFileSync(good, JSON.stringify(minimal()));
    writeFileSync(bad, JSON.stringify({ ...minimal(), nope: true }));
    assert.equal(loadFixtureFile(good).organization.displayName, 'Tiny');
    assert.throws(() => loadFixtureFile(bad), (err: unknown) => err instanceof Error && err.message.startsWith(bad) && /nope/.test(err.message));
    assert.throws(() => loadFixtureFile(path.join(dir, 'missing.json')), /cannot read tenant fixture/);
  });
});

describe('demo tenant (Contoso)', () => {
  const t = demoTenant();

  it('is a valid fixture and a fresh copy each time', () => {
    assert.equal(tenantFixtureSchema.safeParse(t).success, true);
    const other = demoTenant();
    other.users[0]!.displayName = 'changed';
    assert.notEqual(demoTenant().users[0]!.displayName, 'changed');
    assert.equal(t.organization.id, DEMO_TENANT_ID);
  });

  it('has 30 admins in the template scope: 23 registered, 6 unregistered, 1 unknown', () => {
    const totals = adminTotals(t, TEMPLATE);
    assert.deepEqual({ ...totals, ids: undefined }, { admins: 30, registered: 23, unregistered: 6, unknown: 1, ids: undefined });
  });

  it('has the demo ids it documents', () => {
    const users = new Map(t.users.map((u) => [u.id, u]));
    const rows = new Map(t.userRegistrationDetails.map((r) => [r.id, r]));
    for (const id of DEMO_BREAK_GLASS_IDS) {
      assert.ok(t.roleAssignments.some((a) => a.principalId === id && a.roleDefinitionId === ROLE.globalAdministrator));
      assert.deepEqual(rows.get(id)?.methodsRegistered, ['fido2']);
      assert.equal(users.get(id)?.onPremisesSyncEnabled, null, 'cloud-only');
    }
    const exclusion = t.groups.find((g) => g.id === DEMO_EXCLUSION_GROUP_ID);
    assert.equal(exclusion?.displayName, 'Service accounts - CA exclusion');
    assert.equal(exclusion?.members.length, 2);
    const admins = adminTotals(t, ROLE_LISTS.docs ?? []).ids;
    for (const m of exclusion?.members ?? []) assert.ok(!admins.has(m), 'service accounts hold no admin role');
    for (const id of DEMO_APPROVER_IDS) assert.equal(rows.get(id)?.isMfaRegistered, true);
  });

  it('covers Exchange Administrators only by MFA for modern clients beside the legacy block, and names its locations', () => {
    const report = evaluatePolicies(t.conditionalAccessPolicies, {
      roleIds: [ROLE.exchangeAdministrator, ROLE.sharePointAdministrator], breakGlassUserIds: DEMO_BREAK_GLASS_IDS, exclusionGroupId: DEMO_EXCLUSION_GROUP_ID,
    });
    const exchange = report.roles[0];
    assert.equal(exchange?.covered, true);
    const by = exchange?.coveredBy.map((id) => t.conditionalAccessPolicies.find((p) => p.id === id)?.displayName) ?? [];
    for (const name of ['Block legacy authentication', 'Require MFA for Exchange admins (browsers and modern clients)']) assert.ok(by.includes(name), name);
    assert.equal(report.roles[1]?.covered, false);
    assert.deepEqual(t.namedLocations.map((l) => [l.displayName, l['@odata.type'] === '#microsoft.graph.ipNamedLocation' && l.isTrusted]), [['Contoso HQ', true], ['Blocked countries', false]]);
  });

  it('is P2 with security defaults off, a report-only admin pilot and an OR policy', () => {
    assert.equal(t.identitySecurityDefaultsEnforcementPolicy.isEnabled, false);
    const plans = t.subscribedSkus.flatMap((s) => s.servicePlans.map((p) => p.servicePlanName));
    assert.ok(plans.includes('AAD_PREMIUM') && plans.includes('AAD_PREMIUM_P2'));
    const byName = new Map(t.conditionalAccessPolicies.map((p) => [p.displayName, p]));
    assert.equal(byName.get('Require MFA for admins (pilot)')?.state, 'enabledForReportingButNotEnforced');
    assert.equal(byName.get('Block legacy authentication')?.state, 'enabled');
    assert.deepEqual(byName.get('Require compliant device or MFA for admins')?.grantControls, { operator: 'OR', builtInControls: ['mfa', 'compliantDevice'] });
    const score = t.secureScores?.[1]?.controlScores.find((c) => c.controlName === 'AdminMFAV2');
    assert.equal(score?.score, 7.67);
    assert.equal(t.secureScoreControlProfiles?.find((p) => p.id === 'AdminMFAV2')?.maxScore, 10);
  });

  it('has admins through a nested role-assignable group, through PIM, and both', () => {
    const tier0 = t.groups.find((g) => g.displayName === 'Tier0 Identity Admins');
    assert.equal(tier0?.isAssignableToRole, true);
    assert.ok(tier0?.members.some((m) => t.groups.some((g) => g.id === m)), 'nested group member');
    assert.ok(t.roleAssignments.some((a) => a.principalId === tier0?.id && a.roleDefinitionId === ROLE.privilegedAuthenticationAdministrator));
    const eligible = new Set(t.roleEligibilitySchedules.map((e) => e.principalId));
    assert.ok(t.roleAssignments.some((a) => eligible.has(a.principalId)), 'someone is both active and eligible');
  });
});

describe('generated tenants', () => {
  it('are valid fixtures with exact admin totals', () => {
    const t = generateTenant({ users: 3_000, admins: 200, seed: 42, policies: 40 });
    assert.equal(tenantFixtureSchema.safeParse(t).success, true, 'valid');
    assert.equal(t.users.length, 3_000);
    assert.equal(t.conditionalAccessPolicies.length, 40);
    const totals = adminTotals(t, TEMPLATE);
    assert.equal(totals.admins, 200);
    assert.equal(totals.unregistered, 40);
    assert.equal(totals.unknown, 1);
    assert.equal(totals.registered, 159);
    assert.ok(t.groups.some((g) => g.isAssignableToRole), 'role-assignable groups');
    assert.ok(t.roleEligibilitySchedules.length >= 18, 'about 10% eligible');
    const ga = t.roleAssignments.filter((a) => a.roleDefinitionId === ROLE.globalAdministrator).length;
    const helpdesk = t.roleAssignments.filter((a) => a.roleDefinitionId === ROLE.helpdeskAdministrator).length;
    assert.ok(ga < helpdesk, 'fewer Global than Helpdesk Administrators');
  });

  it('are deterministic by seed', () => {
    const a = generateTenant({ users: 500, admins: 40, seed: 7, policies: 20 });
    const b = generateTenant({ users: 500, admins: 40, seed: 7, policies: 20 });
    const c = generateTenant({ users: 500, admins: 40, seed: 8, policies: 20 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.users.map((u) => u.id), c.users.map((u) => u.id));
  });

  it('builds 100,000 users, 2,000 admins and 300 policies in well under 2 s', () => {
    const started = Date.now();
    const t = generateTenant({ users: 100_000, admins: 2_000, seed: 1 });
    const ms = Date.now() - started;
    assert.ok(ms < 2_000, `took ${ms} ms`);
    assert.equal(t.users.length, 100_000);
    assert.equal(t.conditionalAccessPolicies.length, 300);
    assert.equal(adminTotals(t, TEMPLATE).admins, 2_000);
  });

  it('refuses impossible sizes', () => {
    assert.throws(() => generateTenant({ users: 10, admins: 11, seed: 1 }), RangeError);
    assert.throws(() => generateTenant({ users: 10, admins: 2, seed: 1, eligibleShare: 2 }), RangeError);
  });
});
