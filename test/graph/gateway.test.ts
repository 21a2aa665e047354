import assert from 'node:assert/strict';
import path from 'node:path';
import { createGraphClient } from '../../src/graph/client';
import { GraphTenantGateway } from '../../src/graph/gateway';
import { GraphFailure } from '../../src/graph/errors';
import { relativeNextLink, getAll } from '../../src/graph/requests';
import { buildStatusReport } from '../../src/domain/status';
import { parseRoleScope } from '../../src/domain/roles';
import { silentLogger } from '../../src/log';
import { loadFixtureFile } from '../../src/sim/fixture';
import { startSimulator, type Simulator } from '../../src/sim/server';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'fabrikam.json');
const ROLES = parseRoleScope('template');
const BOB = 'a1000000-0000-4000-8000-000000000002';
const CAROL = 'a1000000-0000-4000-8000-000000000003';
const GINA = 'a1000000-0000-4000-8000-000000000007';
const DAVE = 'a1000000-0000-4000-8000-000000000004';

type SimOptions = Omit<Parameters<typeof startSimulator>[0], 'tenant'>;

async function withSim<T>(opts: SimOptions, work: (sim: Simulator, gateway: GraphTenantGateway) => Promise<T>, tenant = loadFixtureFile(FIXTURE)): Promise<T> {
  const sim = await startSimulator({ tenant, port: 0, host: '127.0.0.1', ...opts });
  try {
    const client = createGraphClient({ baseUrl: sim.url, credential: null, timeoutMs: 2_000, maxRetries: 3, logger: silentLogger(), maxRetryDelayMs: 2_000 });
    return await work(sim, new GraphTenantGateway({ client, baseUrl: sim.url, batchSleep: async () => undefined }));
  } finally {
    await sim.close();
  }
}

describe('Graph gateway against the simulated tenant over HTTP', () => {
  it('follows @odata.nextLink across several pages and loses no admin', async () => {
    await withSim({ maxPageSize: 2 }, async (sim, gateway) => {
      const facts = await gateway.readTenant({ roleIds: ROLES });
      const report = buildStatusReport(facts, { roleIds: ROLES, breakGlassUserIds: [], exclusionGroupId: null }, new Date());
      assert.equal(report.totals.admins, 7);
      const pagedPaths = sim.requests().filter((r) => r.path.endsWith('/roleManagement/directory/roleAssignments'));
      assert.ok(pagedPaths.length >= 3, `role assignments took ${pagedPaths.length} pages`);
      assert.equal(facts.policies.length, 2, 'both CA policies read across pages');
    });
  });

  it('finds admins through role-assignable groups (transitively) and PIM eligibility', async () => {
    await withSim({}, async (_sim, gateway) => {
      const facts = await gateway.readTenant({ roleIds: ROLES });
      const report = buildStatusReport(facts, { roleIds: ROLES, breakGlassUserIds: [], exclusionGroupId: null }, new Date());
      const byId = new Map(report.admins.map((a) => [a.id, a]));
      assert.deepEqual(byId.get(CAROL)?.roles.map((r) => [r.activation, r.via]), [['active', 'group']]);
      assert.deepEqual(byId.get(GINA)?.roles.map((r) => [r.activation, r.via]), [['active', 'group']], 'nested group member');
      assert.deepEqual(byId.get(BOB)?.roles.map((r) => [r.activation, r.via]), [['eligible', 'direct']]);
      assert.equal(byId.get(DAVE)?.mfaRegistered, null, 'no registration row means unknown');
      assert.equal(byId.get(BOB)?.mfaRegistered, false, 'eligible admin looked up although isAdmin is false for him');
      assert.equal(report.servicePrincipals.length, 1);
      assert.deepEqual(report.totals, { admins: 7, registered: 3, unregistered: 3, unknown: 1 });
      assert.equal(facts.caveats.length, 0);
    });
  });

  it('waits out a 429 with Retry-After and then succeeds', async () => {
    await withSim({}, async (sim, gateway) => {
      sim.inject({ pathPattern: '^/identity/conditionalAccess/policies$', status: 429, times: 1, retryAfterSeconds: 1 });
      const started = Date.now();
      const facts = await gateway.readTenant({ roleIds: ROLES });
      assert.equal(facts.policies.length, 2);
      assert.ok(Date.now() - started >= 900, 'honoured Retry-After');
      const calls = sim.requests().filter((r) => r.path.endsWith('/identity/conditionalAccess/policies'));
      assert.deepEqual(calls.map((c) => c.status), [429, 200]);
    });
  });

  it('turns a 403 into an error that names the missing permission', async () => {
    await withSim({ grantedPermissions: ['Organization.Read.All', 'Policy.Read.All', 'AuditLog.Read.All', 'GroupMember.Read.All'] }, async (_sim, gateway) => {
      await assert.rejects(gateway.readTenant({ roleIds: ROLES }), (err: unknown) => {
        assert.ok(err instanceof GraphFailure);
        assert.equal(err.kind, 'permission');
        assert.equal(err.details.missing, 'RoleManagement.Read.Directory');
        assert.match(err.message, /RoleManagement\.Read\.Directory/);
        return true;
      });
    });
  });

  it('shows a missing optional permission as a caveat, never as silently wrong numbers', async () => {
    // Directory.Read.All reads role assignments and groups but not PIM eligibility or Secure Score.
    await withSim({ grantedPermissions: ['Organization.Read.All', 'Policy.Read.All', 'AuditLog.Read.All', 'Directory.Read.All'] }, async (_sim, gateway) => {
      const facts = await gateway.readTenant({ roleIds: ROLES });
      const pim = facts.caveats.find((c) => c.area === 'pim');
      assert.ok(pim, 'a PIM caveat');
      assert.equal(pim.missing, 'RoleManagement.Read.Directory', 'what doctor asks for (it also reads role assignments)');
      const secure = facts.caveats.find((c) => c.area === 'secureScore');
      assert.equal(secure?.missing, 'SecurityEvents.Read.All');
    });
  });

  it('treats a tenant without P2 as "no PIM", with a caveat', async () => {
    const tenant = loadFixtureFile(FIXTURE);
    const sku = tenant.subscribedSkus[0];
    assert.ok(sku?.servicePlans);
    sku.servicePlans = sku.servicePlans.filter((p) => p.servicePlanName !== 'AAD_PREMIUM_P2');
    await withSim({}, async (_sim, gateway) => {
      const facts = await gateway.readTenant({ roleIds: ROLES });
      assert.equal(facts.licence, 'p1');
      const pim = facts.caveats.find((c) => c.area === 'pim');
      assert.ok(pim);
      assert.match(pim.message, /P2/);
      assert.ok(!facts.grants.some((g) => g.activation === 'eligible'));
    }, tenant);
  });

  it('retries a throttled registration look-up (by id, the way admins the isAdmin report leaves out are read)', async () => {
    await withSim({}, async (sim, gateway) => {
      sim.inject({ pathPattern: '^/reports/authenticationMethods/userRegistrationDetails$', queryPattern: `id in \\(.*${BOB}`, status: 429, times: 1, retryAfterSeconds: 0 });
      const facts = await gateway.readTenant({ roleIds: ROLES });
      assert.equal(facts.registrations[BOB], false);
      assert.deepEqual(await (await fetch(`${sim.url}/_sim/faults`)).json(), [], 'the throttled look-up was answered 429 once');
      assert.deepEqual(facts.caveats.filter((c) => c.area === 'registration'), []);
    });
  });

  it('gives up on a request that never answers, with a timeout error', async () => {
    await withSim({}, async (sim) => {
      sim.inject({ pathPattern: '^/organization$', status: 200, times: 10, delayMs: 5_000 });
      const client = createGraphClient({ baseUrl: sim.url, credential: null, timeoutMs: 200, maxRetries: 1, logger: silentLogger(), sleep: async () => undefined });
      await assert.rejects(getAll(client, sim.url, '/organization'), (err: unknown) => err instanceof GraphFailure && err.kind === 'timeout');
    });
  });

  it('never follows a nextLink to another host', () => {
    assert.throws(() => relativeNextLink('https://evil.example/v1.0/users?$skiptoken=x', 'https://graph.microsoft.com'), /another host/);
    assert.equal(relativeNextLink('https://graph.microsoft.com/v1.0/users?$skiptoken=x', 'https://graph.microsoft.com'), '/users?$skiptoken=x');
    assert.equal(relativeNextLink('http://127.0.0.1:9/v1.0/a/b?$top=2&$skiptoken=eA', 'http://127.0.0.1:9'), '/a/b?$top=2&$skiptoken=eA');
  });
});
