/**
 * The status sweep reads what per-admin Conditional Access needs: the members of the groups that
 * can change a verdict (bounded, ids only) and the named locations, over HTTP from the simulator,
 * and stays conservative wherever it could not read everything.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { createGraphClient } from '../../src/graph/client';
import { GraphTenantGateway } from '../../src/graph/gateway';
import { buildStatusReport, type StatusSettings } from '../../src/domain/status';
import { parseRoleScope } from '../../src/domain/roles';
import { silentLogger } from '../../src/log';
import { loadFixtureFile, type TenantFixture } from '../../src/sim/fixture';
import { startSimulator, type Simulator } from '../../src/sim/server';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'tailspin.json');
const ROLES = parseRoleScope('template');
const ANA = 'a3000000-0000-4000-8000-000000000001';
const BRIAN = 'a3000000-0000-4000-8000-000000000002';
const CARA = 'a3000000-0000-4000-8000-000000000003';
const DEV = 'a3000000-0000-4000-8000-000000000004';
const EVA = 'a3000000-0000-4000-8000-000000000005';
const FINN = 'a3000000-0000-4000-8000-000000000006';
const EMERGENCY = 'a3000000-0000-4000-8000-000000000007';
const CONTRACTORS = 'c3000000-0000-4000-8000-000000000002';
const BREAK_GLASS = 'c3000000-0000-4000-8000-000000000003';
const SERVICE = 'c3000000-0000-4000-8000-000000000004';
const ALL_STAFF = 'c3000000-0000-4000-8000-000000000005';
const HQ = 'e3000000-0000-4000-8000-000000000001';
const SETTINGS: StatusSettings = { roleIds: ROLES, breakGlassUserIds: [BREAK_GLASS], exclusionGroupId: null, exclusionGroupIds: [SERVICE] };

type Options = Omit<Parameters<typeof startSimulator>[0], 'tenant'> & { memberPagesPerGroup?: number; membershipGroups?: number };

async function sweep(opts: Options, tenant: TenantFixture = loadFixtureFile(FIXTURE), settings: StatusSettings = SETTINGS, before: (sim: Simulator) => void = () => undefined) {
  const { memberPagesPerGroup, membershipGroups, ...simOptions } = opts;
  const sim = await startSimulator({ tenant, port: 0, host: '127.0.0.1', ...simOptions });
  before(sim);
  try {
    const client = createGraphClient({ baseUrl: sim.url, credential: null, timeoutMs: 5_000, maxRetries: 1, logger: silentLogger(), sleep: async () => undefined });
    const gateway = new GraphTenantGateway({ client, baseUrl: sim.url, batchSleep: async () => undefined, memberPagesPerGroup, membershipGroups });
    const facts = await gateway.readTenant({ roleIds: settings.roleIds, breakGlassIds: settings.breakGlassUserIds, exclusionGroupIds: settings.exclusionGroupIds });
    return { facts, report: buildStatusReport(facts, settings, new Date()) };
  } finally {
    await sim.close();
  }
}

describe('the status sweep reads what per-admin Conditional Access needs', () => {
  it('judges each admin with the members of the groups policies name and the tenant\'s trusted locations', async () => {
    const { facts, report } = await sweep({});
    const ca = (id: string) => report.admins.find((a) => a.id === id)?.ca;

    assert.deepEqual(facts.caveats, []);
    assert.deepEqual(facts.namedLocations?.map((l) => [l.displayName, l.isTrusted ?? null]), [['Tailspin HQ', true], ['Embargoed countries', null]]);
    assert.equal(ca(ANA)?.caCovered, true, 'MFA for browsers and modern clients plus the legacy block');
    assert.equal(ca(CARA)?.caCovered, true);
    assert.deepEqual(ca(CARA)?.evaluatedAsActivated, ['194ae4cb-b126-40b2-bd5b-6091b380977d'], 'eligible, judged as activated');
    assert.equal(ca(EVA)?.caCovered, true, 'away from the office plus at trusted locations');
    assert.equal(ca(FINN)?.caCovered, true, 'through a role-assignable group');
    assert.deepEqual([ca(BRIAN)?.caCovered, ca(BRIAN)?.unprotectedSignIn?.clientAppType], [false, 'exchangeActiveSync'], 'in Contractors, which the legacy block excludes');
    assert.deepEqual([ca(DEV)?.caCovered, ca(DEV)?.unprotectedSignIn?.location], [false, 'trusted elsewhere']);
    assert.deepEqual([ca(EMERGENCY)?.caCovered, ca(EMERGENCY)?.sanctionedExclusion], ['excluded', { kind: 'breakGlass', id: BREAK_GLASS }]);
    assert.deepEqual(facts.membershipReads, { groups: 4, requests: 4, incomplete: 0 });
  });

  it('reads only ids, and only the groups that can change a verdict: not those of report-only or non-MFA policies', async () => {
    // A read asking for more than ids would fail here, and show as a caveat.
    const tenant = loadFixtureFile(FIXTURE);
    const { facts } = await sweep({}, tenant, SETTINGS, (sim) => sim.inject({ pathPattern: `^/groups/${CONTRACTORS}/`, queryPattern: 'userPrincipalName', status: 500, times: -1 }));
    assert.deepEqual(facts.caveats, []);
    // Finance-like groups of a compliant-device policy in report-only ("Service accounts") are read only because they are declared.
    assert.deepEqual(Object.keys(facts.groupMembership ?? {}).sort(), [CONTRACTORS, BREAK_GLASS, SERVICE, ALL_STAFF].sort());
  });

  it('stops after a bounded number of pages per group, says so, and counts no admin covered by what it did not read', async () => {
    const tenant = loadFixtureFile(FIXTURE);
    // The legacy block applies to All staff only: whoever was not read may be outside it.
    const legacy = tenant.conditionalAccessPolicies.find((p) => p.displayName === 'Block legacy authentication');
    assert.ok(legacy);
    legacy.conditions = { ...legacy.conditions, users: { includeGroups: [ALL_STAFF], excludeGroups: [BREAK_GLASS] } };

    const { facts, report } = await sweep({ maxPageSize: 2, memberPagesPerGroup: 2 }, tenant);
    const ca = (id: string) => report.admins.find((a) => a.id === id)?.ca;

    assert.deepEqual(facts.groupMembership?.[ALL_STAFF]?.complete, false);
    assert.equal(facts.groupMembership?.[ALL_STAFF]?.memberIds.length, 4);
    assert.match(facts.caveats.map((c) => c.message).join('\n'), new RegExp(`group ${ALL_STAFF} named by Conditional Access has more members than MfaBot reads`));
    const read = new Set(facts.groupMembership?.[ALL_STAFF]?.memberIds);
    const notRead = [ANA, CARA, FINN].filter((id) => !read.has(id));
    assert.ok(notRead.length > 0);
    for (const id of notRead) {
      assert.equal(ca(id)?.caCovered, false, `${id} was not among the members read`);
      assert.deepEqual(ca(id)?.uncertainGroups, [ALL_STAFF]);
    }
    for (const id of [ANA, CARA, FINN].filter((x) => read.has(x))) assert.equal(ca(id)?.caCovered, true);
    assert.equal(ca(EVA)?.caCovered, true, 'covered without the legacy block');
  });

  it('reports a group whose members cannot be read, naming the permission, and counts nothing on it', async () => {
    const { facts, report } = await sweep({ grantedPermissions: ['RoleManagement.Read.Directory', 'Policy.Read.All', 'User.Read.All', 'AuditLog.Read.All'] });
    const groups = facts.caveats.find((c) => c.area === 'groups');
    assert.match(groups?.message ?? '', /could not be read/);
    assert.equal(groups?.missing, 'GroupMember.ReadBasic.All');
    assert.equal(report.admins.find((a) => a.id === ANA)?.ca?.caCovered, false, 'the legacy block excludes groups it could not read');
    assert.equal(report.admins.find((a) => a.id === EMERGENCY)?.ca?.caCovered, false, 'break-glass membership is not assumed');
  });

  it('takes a declared break-glass id that is a user as no group, and a deleted group as holding nobody', async () => {
    const tenant = loadFixtureFile(FIXTURE);
    const settings = { ...SETTINGS, breakGlassUserIds: [BREAK_GLASS, EMERGENCY], exclusionGroupIds: [SERVICE, 'c3000000-0000-4000-8000-0000000000ff'] };
    const { facts } = await sweep({}, tenant, settings);
    assert.deepEqual(facts.caveats, []);
    assert.deepEqual(facts.groupMembership?.[EMERGENCY.toLowerCase()], { memberIds: [], complete: true });
  });

  it('reads no more groups than its bound, and treats the rest as unknown', async () => {
    const { facts } = await sweep({ membershipGroups: 2 });
    assert.equal(facts.membershipReads?.groups, 2);
    assert.equal(Object.values(facts.groupMembership ?? {}).filter((g) => !g.complete).length, 2);
    assert.match(facts.caveats.map((c) => c.message).join('\n'), /names more groups than MfaBot reads in one status \(2 of 4\)/);
  });

  it('says when named locations cannot be read, and trusts none of them', async () => {
    // Away from HQ, plus at trusted locations: HQ's trust is what closes the gap.
    const tenant = loadFixtureFile(FIXTURE);
    const away = tenant.conditionalAccessPolicies.find((p) => p.displayName.startsWith('Require MFA for helpdesk and password admins'));
    assert.ok(away);
    away.conditions = { ...away.conditions, locations: { includeLocations: ['All'], excludeLocations: [HQ] } };
    const known = await sweep({}, tenant);
    assert.equal(known.report.admins.find((a) => a.id === EVA)?.ca?.caCovered, true);

    const { facts, report } = await sweep({}, tenant, SETTINGS,
      (sim) => sim.inject({ pathPattern: '^/identity/conditionalAccess/namedLocations$', status: 500, times: -1 }));
    assert.equal(facts.namedLocations, null);
    assert.equal(facts.caveats.filter((c) => c.area === 'namedLocations').length, 1);
    const eva = report.admins.find((a) => a.id === EVA)?.ca;
    assert.equal(eva?.caCovered, false, 'HQ is neither surely away from trusted locations nor surely at one');
    assert.equal(eva?.unprotectedSignIn?.location, HQ);
  });
});
