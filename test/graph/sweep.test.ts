import assert from 'node:assert/strict';
import path from 'node:path';
import { createGraphClient } from '../../src/graph/client';
import { FAN_OUT_AFTER_ASSIGNMENTS, GraphTenantGateway } from '../../src/graph/gateway';
import { buildStatusReport } from '../../src/domain/status';
import { parseRoleScope } from '../../src/domain/roles';
import { silentLogger } from '../../src/log';
import type { TenantFixture } from '../../src/sim/fixture';
import { loadFixtureFile } from '../../src/sim/fixture';
import { generateTenant } from '../../src/sim/generate';
import { startSimulator, type Simulator } from '../../src/sim/server';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'fabrikam.json');
const ROLES = parseRoleScope('template');
const SETTINGS = { roleIds: ROLES, breakGlassUserIds: [], exclusionGroupId: null };
const BOB = 'a1000000-0000-4000-8000-000000000002';
const CAROL = 'a1000000-0000-4000-8000-000000000003';
const GINA = 'a1000000-0000-4000-8000-000000000007';
const GROUP = 'c0000000-0000-4000-8000-0000000000c1';

type SimOptions = Omit<Parameters<typeof startSimulator>[0], 'tenant'>;

async function withSim<T>(tenant: TenantFixture, opts: SimOptions, work: (sim: Simulator, gateway: GraphTenantGateway) => Promise<T>): Promise<T> {
  const sim = await startSimulator({ tenant, port: 0, host: '127.0.0.1', ...opts });
  try {
    const client = createGraphClient({ baseUrl: sim.url, credential: null, timeoutMs: 5_000, maxRetries: 2, logger: silentLogger(), sleep: async () => undefined });
    return await work(sim, new GraphTenantGateway({ client, baseUrl: sim.url, batchSleep: async () => undefined }));
  } finally {
    await sim.close();
  }
}

describe('the status sweep (gateway) on tenants larger than one page', () => {
  it('reads a tenant with hundreds of role assignments per role in parallel and counts every admin once', async function () {
    this.timeout(30_000);
    // 400 admins: about 340 active assignments, so the first page (100) shows the tenant is large.
    const tenant = generateTenant({ users: 3_000, admins: 400, seed: 3 });
    const active = tenant.roleAssignments.filter((a) => ROLES.includes(a.roleDefinitionId)).length;
    assert.ok(active > FAN_OUT_AFTER_ASSIGNMENTS, `the tenant has ${active} assignments`);
    await withSim(tenant, {}, async (sim, gateway) => {
      const facts = await gateway.readTenant({ roleIds: ROLES });
      const report = buildStatusReport(facts, SETTINGS, new Date());
      // The generator's exact numbers: 20% unregistered, 0.5% without a registration row.
      assert.deepEqual(report.totals, { admins: 400, registered: 318, unregistered: 80, unknown: 2 });
      assert.deepEqual(facts.caveats, []);
      const served = sim.requests();
      const inner = served.reduce((n, r) => n + (r.batch ?? 1), 0);
      assert.equal(facts.graphRequests, served.length);
      assert.ok(served.length <= 15, `${served.length} requests`);
      assert.ok(inner > 2 * served.length, `${inner} Graph calls travelled in ${served.length} requests`);
      assert.equal(served.filter((r) => r.path.endsWith('/roleManagement/directory/roleAssignments')).length, 1,
        'one plain page of role assignments, then per-role pages in batches');
    });
  });

  it('reports a role-assignable group whose members cannot be read as a caveat, and still counts everyone else', async () => {
    await withSim(loadFixtureFile(FIXTURE), {}, async (sim, gateway) => {
      sim.inject({ pathPattern: `^/groups/${GROUP}/transitiveMembers`, status: 500, times: -1 });
      const facts = await gateway.readTenant({ roleIds: ROLES });
      const groups = facts.caveats.filter((c) => c.area === 'groups');
      assert.equal(groups.length, 1);
      assert.match(groups[0]?.message ?? '', new RegExp(GROUP));
      const ids = buildStatusReport(facts, SETTINGS, new Date()).admins.map((a) => a.id);
      assert.ok(!ids.includes(CAROL) && !ids.includes(GINA), 'admins only through that group are missing');
      assert.ok(ids.includes(BOB), 'eligible admin still counted');
    });
  });

  it('shows admins whose registration look-up failed as unknown, with a caveat', async () => {
    await withSim(loadFixtureFile(FIXTURE), {}, async (sim, gateway) => {
      sim.inject({ pathPattern: '^/reports/authenticationMethods/userRegistrationDetails$', queryPattern: `id in \\(.*${BOB}`, status: 500, times: -1 });
      const facts = await gateway.readTenant({ roleIds: ROLES });
      assert.equal(facts.caveats.filter((c) => c.area === 'registration').length, 1);
      const admins = buildStatusReport(facts, SETTINGS, new Date()).admins;
      assert.equal(admins.find((a) => a.id === BOB)?.mfaRegistered, null);
      assert.ok(admins.some((a) => a.id !== BOB && a.mfaRegistered !== null), 'the admins the isAdmin report listed are still known');
    });
  });

  it('looks nobody up one by one when the registration report itself cannot be read', async () => {
    await withSim(loadFixtureFile(FIXTURE), {
      grantedPermissions: ['Organization.Read.All', 'Policy.Read.All', 'RoleManagement.Read.Directory', 'GroupMember.Read.All', 'SecurityEvents.Read.All'],
    }, async (sim, gateway) => {
      const facts = await gateway.readTenant({ roleIds: ROLES });
      const caveat = facts.caveats.find((c) => c.area === 'registration');
      assert.equal(caveat?.missing, 'AuditLog.Read.All');
      assert.deepEqual(facts.registrations, {});
      // 10 bundled reads (named locations and PIM role settings among them), CA policies, role
      // assignments, 2 groups, the AdminMFA profile fallback: 14. Any per-admin registration look-up
      // (or authentication methods read, which only a Free tenant gets) would come on top.
      const inner = sim.requests().reduce((n, r) => n + (r.batch ?? 1), 0);
      assert.ok(inner <= 14, `${inner} Graph calls`);
    });
  });
});
