import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../src/cli';

const ROOT = path.join(__dirname, '..');
const FIXTURE = path.join(__dirname, 'fixtures', 'fabrikam.json');
/** Tailspin Toys: split policies, named locations, group-targeted policies, break-glass and exclusion groups. */
const TAILSPIN = path.join(__dirname, 'fixtures', 'tailspin.json');
const TAILSPIN_BREAK_GLASS = 'c3000000-0000-4000-8000-000000000003';
const TAILSPIN_SERVICE = 'c3000000-0000-4000-8000-000000000004';
const BREAK_GLASS = 'b9000000-0000-4000-8000-0000000000b1';
const SECOND_BREAK_GLASS = 'b9000000-0000-4000-8000-0000000000b2';
const GA = '62e90394-69f5-4237-9190-012177145e10';
const EXCHANGE = '29232cdf-9323-42fd-ade2-1d097af3e4de';

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {} });
  return { code, stdout, stderr };
}

function tmpFile(name: string, content: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mfabot-cli-'));
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

const fabrikamPolicies = (JSON.parse(readFileSync(FIXTURE, 'utf8')) as { conditionalAccessPolicies: unknown[] }).conditionalAccessPolicies;

describe('mfabot check-policies', () => {
  it('prints the coverage report and exits 1 when some role is not enforced', async () => {
    const file = tmpFile('policies.json', JSON.stringify({ value: fabrikamPolicies }));
    const { code, stdout, stderr } = await cli('check-policies', file, '--break-glass', BREAK_GLASS);
    assert.equal(code, 1);
    assert.equal(stderr, '');
    const report = JSON.parse(stdout) as { covered: boolean; uncoveredRoleIds: string[]; roles: { roleId: string; covered: boolean; coveredBy: string[]; gaps: { policyId: string; reason: string }[] }[] };
    assert.equal(report.covered, false);
    const ga = report.roles.find((r) => r.roleId === GA);
    assert.deepEqual(ga?.coveredBy, ['11111111-0000-4000-8000-000000000001']);
    const exchange = report.roles.find((r) => r.roleId === EXCHANGE);
    assert.equal(exchange?.covered, false);
    assert.ok(exchange?.gaps.some((g) => g.policyId === '11111111-0000-4000-8000-000000000002' && /compliant device/.test(g.reason)));
    assert.ok(report.uncoveredRoleIds.includes(EXCHANGE));
    assert.ok(!report.uncoveredRoleIds.includes(GA));
  });

  it('sees the excluded break-glass account as a gap when it is not declared', async () => {
    const file = tmpFile('policies.json', JSON.stringify(fabrikamPolicies));
    const { code, stdout } = await cli('check-policies', file, '--roles', GA);
    assert.equal(code, 1);
    const report = JSON.parse(stdout) as { roles: { gaps: { reason: string }[] }[] };
    assert.match(report.roles[0]?.gaps[0]?.reason ?? '', /b9000000-0000-4000-8000-0000000000b1/);
  });

  it('exits 0 when every role in scope is enforced (bare array input)', async () => {
    const file = tmpFile('policies.json', JSON.stringify(fabrikamPolicies));
    const { code, stdout } = await cli('check-policies', file, '--roles', GA, '--break-glass', BREAK_GLASS);
    assert.equal(code, 0);
    assert.equal((JSON.parse(stdout) as { covered: boolean }).covered, true);
  });

  const adminsPolicy = {
    id: 'p-admins', displayName: 'MFA for GA', state: 'enabled',
    conditions: {
      clientAppTypes: ['all'], users: { includeRoles: [GA], excludeUsers: [BREAK_GLASS, SECOND_BREAK_GLASS] },
      applications: { includeApplications: ['All'], excludeApplications: [] },
    },
    grantControls: { operator: 'OR', builtInControls: ['mfa'] },
  };

  it('reads a file PowerShell wrote with a byte order mark, in UTF-8 or UTF-16', async () => {
    const json = JSON.stringify({ value: [adminsPolicy] });
    const utf8 = tmpFile('bom8.json', '');
    writeFileSync(utf8, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json, 'utf8')]));
    const utf16 = tmpFile('bom16.json', '');
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, 'utf16le')]));
    for (const file of [utf8, utf16]) {
      const { code, stderr } = await cli('check-policies', file, '--roles', GA, '--break-glass', `${BREAK_GLASS},${SECOND_BREAK_GLASS}`);
      assert.equal(stderr, '');
      assert.equal(code, 0, file);
    }
  });

  it('declares every break-glass account when --break-glass is given more than once', async () => {
    const file = tmpFile('policies.json', JSON.stringify([adminsPolicy]));
    const { code } = await cli('check-policies', file, '--roles', GA, '--break-glass', BREAK_GLASS, '--break-glass', SECOND_BREAK_GLASS);
    assert.equal(code, 0);
  });

  it('takes a role list name and role ids together in --roles, in any letter case', async () => {
    const file = tmpFile('policies.json', '[]');
    const { stdout } = await cli('check-policies', file, '--roles', `scuba,${GA.toUpperCase()},${EXCHANGE}`);
    const report = JSON.parse(stdout) as { roles: { roleId: string }[] };
    assert.equal(report.roles.length, 8, 'SCuBA\'s 8 roles, GA and Exchange among them, each once');
    assert.ok(report.roles.every((r) => r.roleId === r.roleId.toLowerCase()));
  });

  describe('v2: the sign-in space', () => {
    const GROUP_A = 'c9000000-0000-4000-8000-0000000000c1';
    const GROUP_B = 'c9000000-0000-4000-8000-0000000000c2';
    const OFFICE = 'a9000000-0000-4000-8000-0000000000a1';
    interface Output { covered: boolean; warnings: string[]; roles: { roleId: string; covered: boolean; coveredBy: string[]; unprotectedSignIn: Record<string, string> | null; summary: string | null }[] }
    const gaPolicy = (id: string, conditions: Record<string, unknown>, grant: string[] = ['mfa']) => ({
      id, displayName: id, state: 'enabled',
      conditions: { clientAppTypes: ['all'], applications: { includeApplications: ['All'] }, ...conditions, users: { includeRoles: [GA], ...(conditions.users as object) } },
      grantControls: { operator: 'OR', builtInControls: grant },
    });
    const run = async (policies: unknown, ...flags: string[]) => {
      const { code, stdout, stderr } = await cli('check-policies', tmpFile('p.json', JSON.stringify(policies)), '--roles', GA, ...flags);
      return { code, stderr, out: (stdout ? JSON.parse(stdout) : null) as Output };
    };

    it('covers a role with MFA for modern clients plus a separate policy that blocks legacy clients, and says which sign-in leaks without it', async () => {
      const mfa = gaPolicy('mfa-modern', { clientAppTypes: ['browser', 'mobileAppsAndDesktopClients'] });
      const block = gaPolicy('block-legacy', { clientAppTypes: ['exchangeActiveSync', 'other'] }, ['block']);

      const both = await run({ value: [mfa, block] });
      const alone = await run({ value: [mfa] });

      assert.equal(both.code, 0);
      assert.deepEqual(both.out.roles[0]?.coveredBy, ['mfa-modern', 'block-legacy']);
      assert.equal(both.out.roles[0]?.unprotectedSignIn, null);
      assert.deepEqual(both.out.warnings, []);
      assert.equal(alone.code, 1);
      assert.equal(alone.out.roles[0]?.unprotectedSignIn?.clientAppType, 'exchangeActiveSync');
      assert.match(alone.out.roles[0]?.summary ?? '', /no policy blocks legacy clients/);
    });

    it('takes a comma list of exclusion groups, each flag adding to the list', async () => {
      const policies = [gaPolicy('p', { users: { excludeGroups: [GROUP_A, GROUP_B] } })];

      assert.equal((await run(policies, '--exclusion-group', `${GROUP_A},${GROUP_B}`)).code, 0);
      assert.equal((await run(policies, '--exclusion-group', GROUP_A, '--exclusion-group', GROUP_B)).code, 0);
      assert.equal((await run(policies, '--exclusion-group', GROUP_A)).code, 1);
    });

    it('takes a break-glass group as well as break-glass users', async () => {
      const policies = [gaPolicy('p', { users: { excludeGroups: [GROUP_A], excludeUsers: [BREAK_GLASS] } })];

      assert.equal((await run(policies, '--break-glass', `${BREAK_GLASS},${GROUP_A}`)).code, 0);
      assert.equal((await run(policies, '--break-glass', BREAK_GLASS)).code, 1);
    });

    it('learns which named locations are trusted from --named-locations', async () => {
      const policies = [
        gaPolicy('mfa-away', { locations: { includeLocations: ['All'], excludeLocations: [OFFICE] } }),
        gaPolicy('mfa-trusted', { locations: { includeLocations: ['AllTrusted'] } }),
      ];
      const trusted = tmpFile('locations.json', JSON.stringify({ value: [{ '@odata.type': '#microsoft.graph.ipNamedLocation', id: OFFICE, displayName: 'Office', isTrusted: true, ipRanges: [] }] }));
      const untrusted = tmpFile('locations.json', JSON.stringify([{ '@odata.type': '#microsoft.graph.ipNamedLocation', id: OFFICE, displayName: 'Office', isTrusted: false }]));

      const unknown = await run(policies);

      assert.equal(unknown.code, 1, 'without the file the office may or may not be trusted');
      assert.equal(unknown.out.roles[0]?.unprotectedSignIn?.location, OFFICE);
      assert.equal((await run(policies, '--named-locations', trusted)).code, 0);
      assert.equal((await run(policies, '--named-locations', untrusted)).code, 1);
    });

    it('warns that only one page was judged when the file has @odata.nextLink', async () => {
      const { code, out } = await run({ value: [gaPolicy('p', {})], '@odata.nextLink': 'https://graph.microsoft.com/v1.0/identity/conditionalAccess/policies?$skiptoken=x' });

      assert.equal(code, 0);
      assert.equal(out.warnings.length, 1);
      assert.match(out.warnings[0] ?? '', /@odata\.nextLink.*only the policies on this page were judged/);
    });

    it('reports an unreadable policy and still judges the others', async () => {
      const broken = { id: 'broken', state: 'enabled', conditions: { users: { includeRoles: GA } } };

      const { code, out, stderr } = await run([broken, gaPolicy('p', {})]);

      assert.equal(stderr, '');
      assert.equal(code, 0);
      assert.deepEqual(out.roles[0]?.coveredBy, ['p']);
      assert.match(out.warnings.join('\n'), /policy #1 \(broken\) has conditions\.users\.includeRoles that is not an array of strings; it was not judged/);
    });

    it('reads "locations": [] as no location condition, with a warning', async () => {
      const { code, out } = await run([gaPolicy('p', { locations: [] })]);

      assert.equal(code, 0);
      assert.match(out.warnings.join('\n'), /"locations": \[\]/);
    });

    it('does not take OData annotations for conditions', async () => {
      const annotated = gaPolicy('p', { 'userRiskLevels@odata.type': '#Collection(microsoft.graph.riskLevel)', userRiskLevels: [] });

      assert.equal((await run([annotated])).code, 0);
    });
  });

  for (const [what, args] of [
    ['a missing file', ['check-policies', '/nonexistent/policies.json']],
    ['an empty file', ['check-policies', tmpFile('empty.json', '')]],
    ['null', ['check-policies', tmpFile('null.json', 'null')]],
    ['a list response whose value is null', ['check-policies', tmpFile('valnull.json', '{"value":null}')]],
    ['items that are not objects', ['check-policies', tmpFile('items.json', '[1, null]')]],
    ['a directory', ['check-policies', path.dirname(tmpFile('x.json', '[]'))]],
    ['a policy whose includeRoles is a string', ['check-policies', tmpFile('roles.json', JSON.stringify([{ id: 'p', state: 'enabled', conditions: { users: { includeRoles: GA } } }]))]],
    ['a policy whose conditions is not an object', ['check-policies', tmpFile('cond.json', '[{"id":"p","state":"enabled","conditions":"all"}]')]],
    ['a policy whose builtInControls is a string', ['check-policies', tmpFile('grant.json', '[{"id":"p","state":"enabled","grantControls":{"builtInControls":"mfa"}}]')]],
    ['a policy whose id is not a string', ['check-policies', tmpFile('id.json', '[{"id":5,"state":"enabled"}]')]],
    ['PowerShell SDK output instead of Graph JSON', ['check-policies', tmpFile('ps.json', '[{"Id":"p","State":"enabled","Conditions":{}}]')]],
    ['an exclusion group that is not a GUID', ['check-policies', tmpFile('ok.json', '[]'), '--exclusion-group', `${BREAK_GLASS},service-accounts`]],
    ['named locations that are not a list', ['check-policies', tmpFile('ok.json', '[]'), '--named-locations', tmpFile('locs.json', '{"locations": []}')]],
    ['invalid JSON', ['check-policies', tmpFile('bad.json', '{"value": [')]],
    ['a JSON object that is not a policy list', ['check-policies', tmpFile('obj.json', '{"policies": []}')]],
    ['an unknown role list', ['check-policies', tmpFile('ok.json', '[]'), '--roles', 'superadmins']],
    ['a break-glass id that is not a GUID', ['check-policies', tmpFile('ok.json', '[]'), '--break-glass', 'alice']],
    ['an unknown option', ['check-policies', tmpFile('ok.json', '[]'), '--colour']],
    ['an unknown command', ['frobnicate']],
  ] as const) {
    it(`exits 2 with one clear line on stderr and nothing on stdout for ${what}`, async () => {
      const { code, stdout, stderr } = await cli(...args);
      assert.equal(code, 2);
      assert.equal(stdout, '');
      assert.equal(stderr.trim().split('\n').length, 1, stderr);
      assert.match(stderr, /^mfabot: /);
    });
  }
});

describe('mfabot status --tenant', () => {
  it('prints the coverage report (README, "The mfabot command") from the simulator loaded with the fixture', async () => {
    const { code, stdout } = await cli('status', '--tenant', FIXTURE, '--json', '--break-glass', BREAK_GLASS);
    assert.equal(code, 0);
    const doc = JSON.parse(stdout) as {
      tenantId: string; licence: string; securityDefaultsEnabled: boolean; graphRequests: number;
      totals: Record<string, number>; policy: { covered: boolean };
      admins: { id: string; userPrincipalName: string; displayName: string; mfaRegistered: boolean | null; roles: { roleId: string; activation: string; via: string }[] }[];
    };
    assert.equal(doc.tenantId, 'f1b2c3d4-0000-4000-8000-00000000fab1');
    assert.deepEqual(doc.totals, { admins: 7, registered: 3, unregistered: 3, unknown: 1 });
    assert.equal(doc.licence, 'p2');
    assert.equal(doc.securityDefaultsEnabled, false);
    assert.equal(doc.policy.covered, false);
    assert.ok(doc.graphRequests > 0);
    const upns = doc.admins.map((a) => a.userPrincipalName);
    assert.deepEqual(upns, [...upns].sort(), 'sorted by userPrincipalName');
    const erin = doc.admins.find((a) => a.userPrincipalName === 'erin@fabrikam.example');
    assert.deepEqual(
      erin?.roles.map((r) => `${r.roleId}:${r.activation}:${r.via}`).sort(),
      [`${GA}:eligible:direct`, 'fe930be7-5e62-47db-91af-98c3a49a38b1:active:direct'],
    );
    assert.equal(doc.admins.find((a) => a.userPrincipalName === 'dave@fabrikam.example')?.mfaRegistered, null);
    assert.ok(!upns.includes('frank@fabrikam.example'), 'Teams Administrator is outside the default scope');
  });

  it('counts Teams Administrators when the scope is the "docs" list', async () => {
    const { stdout } = await cli('status', '--tenant', FIXTURE, '--json', '--roles', 'docs');
    const doc = JSON.parse(stdout) as { totals: { admins: number } };
    assert.equal(doc.totals.admins, 8);
  });

  it('prints a readable summary without --json', async () => {
    const { code, stdout } = await cli('status', '--tenant', FIXTURE);
    assert.equal(code, 0);
    assert.match(stdout, /3 of 7 admins are registered for MFA/);
    assert.match(stdout, /bob@fabrikam\.example/);
  });

  it('gives each admin caCovered and unprotectedSignIn, with the gap in words, and the policy check beside them', async () => {
    const { code, stdout } = await cli('status', '--tenant', TAILSPIN, '--json', '--break-glass', TAILSPIN_BREAK_GLASS, '--exclusion-group', TAILSPIN_SERVICE);
    assert.equal(code, 0);
    const doc = JSON.parse(stdout) as {
      caTotals: Record<string, number>; policy: { covered: boolean; roles: unknown[]; warnings: string[] };
      admins: {
        userPrincipalName: string; caCovered: boolean | 'excluded'; unprotectedSignIn: Record<string, string> | null; caGap: string | null;
        caEvaluatedAsActivated: string[]; caExclusion: { kind: string; id: string } | null; caUncertainGroups: string[];
      }[];
    };
    const by = Object.fromEntries(doc.admins.map((a) => [a.userPrincipalName.split('@')[0], a]));
    assert.deepEqual(doc.caTotals, { covered: 4, uncovered: 2, excluded: 2 });
    assert.deepEqual([by.ana?.caCovered, by.ana?.unprotectedSignIn, by.ana?.caGap], [true, null, null]);
    assert.deepEqual(by.brian?.unprotectedSignIn, {
      clientAppType: 'exchangeActiveSync', platform: 'iOS', location: 'untrusted elsewhere', application: 'All', signInRisk: 'none', userRisk: 'none',
    });
    assert.match(by.brian?.caGap ?? '', /^Brian Ortiz \(Exchange Administrator\) can sign in with Exchange ActiveSync \(the iPhone Mail app\) without MFA: 'Require MFA for admins' covers only browsers and modern clients, .* and no policy blocks legacy clients\.$/);
    assert.deepEqual([by.dev?.caCovered, by.dev?.unprotectedSignIn?.location], [false, 'trusted elsewhere']);
    assert.deepEqual([by.cara?.caCovered, by.cara?.caEvaluatedAsActivated], [true, ['194ae4cb-b126-40b2-bd5b-6091b380977d']]);
    assert.deepEqual([by.emergency1?.caCovered, by.emergency1?.caExclusion], ['excluded', { kind: 'breakGlass', id: TAILSPIN_BREAK_GLASS }]);
    assert.equal(doc.policy.covered, false);
    assert.equal(doc.policy.roles.length, 14);
  });

  it('groups Conditional Access gaps in the text output: each admin gap once, each policy reason once', async () => {
    const { code, stdout } = await cli('status', '--tenant', TAILSPIN, '--break-glass', TAILSPIN_BREAK_GLASS, '--exclusion-group', TAILSPIN_SERVICE);
    assert.equal(code, 0);
    assert.match(stdout, /^Conditional Access: 4 of 8 admins must use MFA on every sign-in; 2 can sign in without MFA; 2 left out on purpose\.$/m);
    assert.match(stdout, /^ {2}1 admin: Brian Ortiz \(Exchange Administrator\) can sign in with Exchange ActiveSync/m);
    assert.match(stdout, /^ {2}Left out on purpose: Emergency Access 1 \(break-glass\) and Emergency Access 2 \(break-glass\)\.$/m);
    assert.match(stdout, /^ {2}PIM-eligible admins are judged as if they had activated their roles/m);
    // The legacy block's undeclared exclusion is one reason of 13 roles: said once, not 13 times.
    assert.equal(stdout.match(/^ {2}Block legacy authentication: /gm)?.length, 1);
    assert.match(stdout, /^ {2}Block legacy authentication: .*\(all 13 uncovered roles\)$/m);
  });

  it('refuses --graph-url pointing at Microsoft Graph', async () => {
    const { code, stderr } = await cli('status', '--graph-url', 'https://graph.microsoft.com');
    assert.equal(code, 2);
    assert.match(stderr, /configure credentials/);
  });

  it('rejects a fixture with an unknown key, naming it', async () => {
    const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, unknown>;
    const file = tmpFile('tenant.json', JSON.stringify({ ...fixture, adminsByMagic: [] }));
    const { code, stderr } = await cli('status', '--tenant', file, '--json');
    assert.equal(code, 2);
    assert.match(stderr, /adminsByMagic/);
  });
});

describe('mfabot status --tenant with a Graph-shaped fixture the developers never saw', () => {
  const SEC = '194ae4cb-b126-40b2-bd5b-6091b380977d';
  const DIRECTORY_READERS = '88d8e3e3-8f55-4a1e-953a-9b9898b8876b';
  const u = (n: number) => `a0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  const GROUP = 'c0000000-0000-4000-8000-000000000001';
  const NESTED = 'c0000000-0000-4000-8000-000000000002';
  const SP = 'd0000000-0000-4000-8000-000000000001';
  const DEVICE = 'dddddddd-0000-4000-8000-000000000001';
  const p2 = {
    id: 'sku', skuId: '06ebc4ee-1bb5-47dd-8120-11324bc54e06', skuPartNumber: 'SPE_E5', capabilityStatus: 'Enabled',
    prepaidUnits: { enabled: 10 },
    servicePlans: [
      { servicePlanId: '41781fb2-bc02-4b7c-bd55-b576c07bb09d', servicePlanName: 'AAD_PREMIUM', provisioningStatus: 'Success' },
      { servicePlanId: 'eec0eb4f-6444-4f95-aba0-50c24d67f998', servicePlanName: 'AAD_PREMIUM_P2', provisioningStatus: 'Success' },
    ],
  };
  const names = ['', 'direct', 'member', 'nested', 'expired', 'reader', 'disabled', 'unlisted'];
  const fixture = {
    organization: { id: 'f0000000-0000-4000-8000-000000000001', displayName: 'Outsider' },
    // /users without $select has no accountEnabled; ids in upper case elsewhere, as some exports write them.
    users: names.slice(1).map((n, i) => ({ id: u(i + 1), userPrincipalName: `${n}@outsider.example`, displayName: n, ...(n === 'disabled' ? { accountEnabled: false } : {}) })),
    groups: [
      { id: GROUP, displayName: 'GA group', isAssignableToRole: true, members: [u(2).toUpperCase(), NESTED, SP, DEVICE] },
      { id: NESTED, displayName: 'nested', isAssignableToRole: false, members: [u(3), GROUP] },
    ],
    servicePrincipals: [{ id: SP, appId: 'e0000000-0000-4000-8000-000000000001', displayName: 'Robot' }],
    roleAssignments: [
      { id: 'ra1', principalId: u(1).toUpperCase(), roleDefinitionId: GA.toUpperCase(), directoryScopeId: '/' },
      { id: 'ra2', principalId: GROUP, roleDefinitionId: GA, directoryScopeId: '/' },
      { id: 'ra3', principalId: u(5), roleDefinitionId: DIRECTORY_READERS, directoryScopeId: '/' },
      { id: 'ra4', principalId: u(6), roleDefinitionId: GA, directoryScopeId: '/administrativeUnits/11111111-1111-4111-8111-111111111111' },
      { id: 'ra5', principalId: u(7), roleDefinitionId: SEC, directoryScopeId: '/' },
    ],
    // The schedule's own shape: its window is in scheduleInfo.
    roleEligibilitySchedules: [{
      id: 're1', principalId: u(4), roleDefinitionId: GA, directoryScopeId: '/', memberType: 'Direct', status: 'Provisioned',
      scheduleInfo: { startDateTime: '2024-01-01T00:00:00Z', expiration: { type: 'afterDateTime', endDateTime: '2025-01-01T00:00:00Z' } },
    }],
    userRegistrationDetails: [
      { id: u(1).toUpperCase(), isMfaRegistered: true },
      { id: u(2), isMfaRegistered: false },
      { id: u(6), isMfaRegistered: true },
    ],
    authenticationStrengthPolicies: [
      { id: 'c0ffee00-0000-4000-8000-000000000001', displayName: 'Keys', policyType: 'custom', requirementsSatisfied: 'mfa', allowedCombinations: ['fido2'] },
    ],
    conditionalAccessPolicies: [{
      id: 'p1', displayName: 'Strength for GA', state: 'enabled',
      conditions: { clientAppTypes: ['all'], users: { includeRoles: [GA] }, applications: { includeApplications: ['All'] } },
      grantControls: { operator: 'OR', authenticationStrength: { id: '00000000-0000-0000-0000-000000000002' } },
    }],
    identitySecurityDefaultsEnforcementPolicy: { isEnabled: false },
    subscribedSkus: [p2],
  };

  it('counts admins as README ("Who counts as an admin?") says and keeps the built-in strengths beside the fixture\'s own', async () => {
    const { code, stdout, stderr } = await cli('status', '--tenant', tmpFile('outsider.json', JSON.stringify(fixture)), '--json', '--roles', `${GA},${SEC}`);
    assert.equal(stderr, '');
    assert.equal(code, 0);
    const doc = JSON.parse(stdout) as {
      admins: { id: string; userPrincipalName: string; mfaRegistered: boolean | null; roles: { roleId: string; activation: string; via: string }[] }[];
      totals: Record<string, number>; policy: { covered: boolean; uncoveredRoleIds: string[] };
    };
    const byUpn = Object.fromEntries(doc.admins.map((a) => [a.userPrincipalName.split('@')[0], a]));
    assert.deepEqual(Object.keys(byUpn), ['direct', 'disabled', 'member', 'nested', 'unlisted'],
      'sorted; not the Directory Reader, not the expired eligibility, not the service principal or the device');
    assert.deepEqual(doc.totals, { admins: 5, registered: 2, unregistered: 1, unknown: 2 });
    assert.equal(byUpn.direct?.id, u(1));
    assert.equal(byUpn.direct?.mfaRegistered, true);
    assert.deepEqual(byUpn.nested?.roles, [{ roleId: GA, activation: 'active', via: 'group', groupId: GROUP }]);
    assert.equal(byUpn.unlisted?.mfaRegistered, null);
    assert.equal(doc.policy.covered, false);
    assert.deepEqual(doc.policy.uncoveredRoleIds, [SEC], 'GA is covered by the built-in MFA strength');
  });

  it('refuses a fixture whose policy has a collection of the wrong type, on one line', async () => {
    const broken = structuredClone(fixture);
    (broken.conditionalAccessPolicies[0]!.conditions.users as Record<string, unknown>).includeRoles = GA;
    const { code, stdout, stderr } = await cli('status', '--tenant', tmpFile('broken.json', JSON.stringify(broken)), '--json');
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.equal(stderr.trim().split('\n').length, 1);
    assert.match(stderr, /conditionalAccessPolicies\[0\]: policy has conditions\.users\.includeRoles that is not an array of strings/);
  });
});

describe('the mfabot executable', () => {
  const bin = path.join(ROOT, 'bin', 'mfabot.js');
  it('runs the built CLI (npm run build first)', async function () {
    if (!existsSync(path.join(ROOT, 'dist', 'cli.js'))) {
      if (process.env.CI) assert.fail('dist/cli.js is missing: npm test builds before running the tests');
      this.skip();
    }
    const { stdout } = await promisify(execFile)(process.execPath, [bin, 'status', '--tenant', FIXTURE, '--json']);
    assert.equal((JSON.parse(stdout) as { totals: { admins: number } }).totals.admins, 7);
    const failing = await promisify(execFile)(process.execPath, [bin, 'check-policies', FIXTURE]).catch((e: { code: number; stdout: string }) => e);
    assert.equal((failing as { code: number }).code, 2, 'a tenant fixture is not a policy list: bad input');
  });
});

describe('mfabot status on a minimal fixture', () => {
  const MINIMAL = path.join(__dirname, 'fixtures', 'minimal.json');

  it('assumes Entra ID P2 and security defaults off when the fixture says nothing about them', async () => {
    const { code, stdout } = await cli('status', '--tenant', MINIMAL, '--json');
    assert.equal(code, 0);
    const doc = JSON.parse(stdout) as { licence: string; securityDefaultsEnabled: boolean; totals: Record<string, number>; admins: { mfaRegistered: boolean | null }[] };
    assert.equal(doc.licence, 'p2');
    assert.equal(doc.securityDefaultsEnabled, false);
    assert.deepEqual(doc.totals, { admins: 2, registered: 1, unregistered: 1, unknown: 0 });
  });

  it('takes an explicit empty licence list as a Free tenant: the registration report is closed, so each admin\'s methods answer', async () => {
    const fixture = { ...(JSON.parse(readFileSync(MINIMAL, 'utf8')) as Record<string, unknown>), subscribedSkus: [] };
    const { code, stdout } = await cli('status', '--tenant', tmpFile('free.json', JSON.stringify(fixture)), '--json');
    assert.equal(code, 0);
    const doc = JSON.parse(stdout) as { licence: string; registrationSource: string; totals: Record<string, number>; caveats: { area: string }[] };
    assert.equal(doc.licence, 'free');
    assert.equal(doc.registrationSource, 'authenticationMethods');
    assert.deepEqual(doc.totals, { admins: 2, registered: 1, unregistered: 1, unknown: 0 });
    assert.ok(!doc.caveats.some((c) => c.area === 'registration'));
  });
});

describe('mfabot conventions', () => {
  const run = async (argv: string[]) => {
    let out = '';
    let err = '';
    const code = await runCli(argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, env: {} });
    return { code, out, err };
  };

  it('prints the version with --version', async () => {
    const { version } = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V', 'version']) assert.deepEqual(await run([flag]), { code: 0, out: `mfabot ${version}\n`, err: '' });
  });

  it('prints the usage with --help, and each command\'s help with COMMAND --help, exiting 0', async () => {
    const all = await run(['--help']);
    assert.equal(all.code, 0);
    for (const command of ['check-policies', 'status', 'sim', 'doctor']) {
      assert.match(all.out, new RegExp(`mfabot ${command}`));
      const one = await run([command, '--help']);
      assert.equal(one.code, 0, command);
      assert.match(one.out, new RegExp(`^usage: mfabot ${command}`), command);
      assert.equal(one.err, '');
    }
  });

  it('answers an unknown command with the reason on stderr and exit 2', async () => {
    const r = await run(['frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown command "frobnicate"/);
  });
});
