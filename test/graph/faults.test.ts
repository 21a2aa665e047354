/**
 * MfaBot survives every reading of Graph the documentation leaves open: the simulator's named faults
 * (`mfabot sim --fault`), each through the real Graph client and the bot's own gateway, give the
 * same admins and totals as the strict default; and the fallbacks behind them, step by step.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { runCli } from '../../src/cli';
import { buildStatusReport } from '../../src/domain/status';
import { parseRoleScope } from '../../src/domain/roles';
import { createGraphClient } from '../../src/graph/client';
import { GraphTenantGateway } from '../../src/graph/gateway';
import { permissionsToGrant } from '../../src/graph/permissions';
import { GraphBatcher } from '../../src/graph/requests';
import { RegistrationLookup } from '../../src/graph/registrations';
import { silentLogger } from '../../src/log';
import { demoTenant } from '../../src/sim/demo';
import { loadFixtureFile, type TenantFixture } from '../../src/sim/fixture';
import { GRAPH_FAULT_NAMES, startSimulator, type Simulator, type SimulatorOptions } from '../../src/sim/server';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'fabrikam.json');
const ROLES = parseRoleScope('template');
const SETTINGS = { roleIds: ROLES, breakGlassUserIds: [], exclusionGroupId: null };

async function withSim<T>(tenant: TenantFixture, opts: Omit<SimulatorOptions, 'tenant'>, work: (sim: Simulator, gateway: GraphTenantGateway) => Promise<T>): Promise<T> {
  const sim = await startSimulator({ tenant, port: 0, host: '127.0.0.1', ...opts });
  try {
    const client = createGraphClient({ baseUrl: sim.url, credential: null, timeoutMs: 5_000, maxRetries: 3, logger: silentLogger(), sleep: async () => undefined });
    return await work(sim, new GraphTenantGateway({ client, baseUrl: sim.url, batchSleep: async () => undefined }));
  } finally {
    await sim.close();
  }
}

/** What a status read concluded: every admin with their registration, and the totals. */
async function statusOf(tenant: TenantFixture, opts: Omit<SimulatorOptions, 'tenant'> = {}) {
  return withSim(tenant, opts, async (sim, gateway) => {
    const facts = await gateway.readTenant({ roleIds: ROLES });
    const report = buildStatusReport(facts, SETTINGS, new Date());
    return {
      totals: report.totals,
      admins: report.admins.map((a) => `${a.id}:${String(a.mfaRegistered)}`).sort(),
      caveats: facts.caveats,
      fired: sim.graphFaultsFired(),
    };
  });
}

describe('MfaBot against each named fault of the simulated Graph', () => {
  for (const [name, tenant] of [['fabrikam', () => loadFixtureFile(FIXTURE)], ['demo', demoTenant]] as const) {
    // pim-write-app-403 changes a write's answer, never a read's: test/e2e/pim.test.ts and test/sim/pim.test.ts try it.
    for (const fault of GRAPH_FAULT_NAMES.filter((f) => f !== 'pim-write-app-403')) {
      it(`${fault}: the same admins and totals as without it (${name} tenant)`, async () => {
        const strict = await statusOf(tenant());
        const faulty = await statusOf(tenant(), { graphFaults: [fault] });
        assert.deepEqual(faulty.admins, strict.admins);
        assert.deepEqual(faulty.totals, strict.totals);
        assert.deepEqual(faulty.caveats, strict.caveats);
        // The fault really changed Graph's answers (members-id-only only matters without User.Read.All: below).
        if (fault !== 'members-id-only') assert.ok((faulty.fired[fault] ?? 0) > 0, `${fault} never fired`);
      });
    }
  }

  it('licence-403-once on a premium tenant: asked again, never blamed on the licence', async () => {
    const once = await statusOf(loadFixtureFile(FIXTURE), { graphFaults: ['licence-403-once'] });
    assert.deepEqual(once.caveats.filter((c) => c.area === 'registration'), []);
  });

  it('a premium tenant answered "not premium" twice: names Directory.Read.All, not a licence', async () => {
    await withSim(loadFixtureFile(FIXTURE), {}, async (sim, gateway) => {
      sim.inject({
        pathPattern: '^/reports/authenticationMethods/userRegistrationDetails$', queryPattern: 'isAdmin', status: 403, times: 2,
        body: { error: { code: 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', message: "Neither tenant is B2C or tenant doesn't have premium license" } },
      });
      const facts = await gateway.readTenant({ roleIds: ROLES });
      const registration = facts.caveats.find((c) => c.area === 'registration');
      assert.equal(registration?.missing, 'Directory.Read.All');
      assert.match(registration?.message ?? '', /subscriptions include Entra ID P1 or P2/);
      assert.doesNotMatch(registration?.message ?? '', /needs Entra ID P1/);
    });
  });

  it('a Free tenant answered "not premium": the licence is what keeps the report closed, so the methods answer instead', async () => {
    const tenant = loadFixtureFile(FIXTURE);
    tenant.subscribedSkus = [];
    await withSim(tenant, {}, async (_sim, gateway) => {
      const facts = await gateway.readTenant({ roleIds: ROLES });
      assert.equal(facts.registrationSource, 'authenticationMethods');
      assert.deepEqual(facts.caveats.filter((c) => c.area === 'registration'), [], 'every admin\'s methods were read');
    });
    const withoutMethods = permissionsToGrant().filter((p) => p !== 'UserAuthenticationMethod.Read.All');
    await withSim(tenant, { grantedPermissions: withoutMethods }, async (_sim, gateway) => {
      const facts = await gateway.readTenant({ roleIds: ROLES });
      const registration = facts.caveats.find((c) => c.area === 'registration');
      assert.equal(registration?.missing, 'UserAuthenticationMethod.Read.All');
      assert.match(registration?.message ?? '', /needs Entra ID P1 or P2, so MFA registration comes from each admin's authentication methods/);
      assert.deepEqual(facts.registrations, {});
      assert.equal(facts.registrationSource, null);
    });
  });

  it('members-id-only without User.Read.All: admins still counted, by object id, and the card says which permission shows names', async () => {
    const grants = permissionsToGrant().filter((p) => p !== 'User.Read.All');
    const named = await statusOf(loadFixtureFile(FIXTURE), { grantedPermissions: grants });
    const idOnly = await statusOf(loadFixtureFile(FIXTURE), { grantedPermissions: grants, graphFaults: ['members-id-only'] });
    assert.ok((idOnly.fired['members-id-only'] ?? 0) > 0);
    assert.deepEqual(idOnly.totals, named.totals);
    assert.deepEqual(idOnly.admins, named.admins);
    const names = idOnly.caveats.find((c) => c.area === 'names');
    assert.equal(names?.missing, 'User.Read.All');
    assert.match(names?.message ?? '', /object id/);
  });
});

describe('reading registrations when the report refuses a query form', () => {
  const ADMINS = ['a1000000-0000-4000-8000-000000000001', 'a1000000-0000-4000-8000-000000000002', 'a1000000-0000-4000-8000-000000000003', 'a1000000-0000-4000-8000-000000000007'];

  async function lookup(faults: Array<{ queryPattern?: string; pathPattern: string }>, maxPageSize?: number) {
    return withSim(loadFixtureFile(FIXTURE), { maxPageSize }, async (sim) => {
      for (const f of faults) sim.inject({ ...f, status: 400, times: -1 });
      const client = createGraphClient({ baseUrl: sim.url, credential: null, timeoutMs: 5_000, maxRetries: 0, logger: silentLogger() });
      const registrations = new RegistrationLookup(new GraphBatcher(client).getter, sim.url);
      registrations.request(ADMINS);
      await registrations.settle();
      const expected = Object.fromEntries(sim.state.userRegistrationDetails.filter((r) => ADMINS.includes(r.id)).map((r) => [r.id, r.isMfaRegistered]));
      const got = Object.fromEntries(ADMINS.filter((id) => id in registrations.rows).map((id) => [id, registrations.rows[id]]));
      return { strategy: registrations.strategy, failure: registrations.failure, got, expected };
    });
  }

  it('1. by id, several admins per request', async () => {
    const r = await lookup([]);
    assert.equal(r.strategy, 'byId');
    assert.deepEqual(r.got, r.expected);
  });

  it('2. the id filter refused: pages the report', async () => {
    const r = await lookup([{ pathPattern: '^/reports/authenticationMethods/userRegistrationDetails$', queryPattern: 'id in' }]);
    assert.equal(r.strategy, 'report');
    assert.equal(r.failure, null);
    assert.deepEqual(r.got, r.expected);
  });

  it('3. the report too long to page: reads the rest one admin at a time', async () => {
    const r = await lookup([{ pathPattern: '^/reports/authenticationMethods/userRegistrationDetails$', queryPattern: 'id in' }], 1);
    assert.equal(r.strategy, 'perAdmin');
    assert.equal(r.failure, null);
    assert.deepEqual(r.got, r.expected);
  });
});

describe('mfabot status --graph-url against mfabot sim --fault', () => {
  for (const fault of GRAPH_FAULT_NAMES) {
    it(`gives the same totals with --fault ${fault} as without`, async function () {
      this.timeout(20_000);
      const totals = async (faults: string[]): Promise<unknown> => {
        let url = '';
        let stop = (): void => undefined;
        const until = new Promise<void>((resolve) => { stop = resolve; });
        const serving = runCli(['sim', '--port', '0', ...faults.flatMap((f) => ['--fault', f])], {
          env: {}, until, stderr: () => undefined, stdout: (t) => { url ||= t.trim(); },
        });
        try {
          while (!url) await new Promise((r) => setTimeout(r, 10));
          let out = '';
          const io = { env: {}, stderr: (t: string) => { throw new Error(t); }, stdout: (t: string) => { out += t; } };
          assert.equal(await runCli(['status', '--graph-url', url, '--json'], io), 0);
          return (JSON.parse(out) as { totals: unknown }).totals;
        } finally {
          stop();
          assert.equal(await serving, 0);
        }
      };
      assert.deepEqual(await totals([fault]), await totals([]));
    });
  }

  it('refuses a fault it does not know, naming the known ones', async () => {
    let err = '';
    assert.equal(await runCli(['sim', '--fault', 'nonsense'], { env: {}, stdout: () => undefined, stderr: (t) => { err += t; } }), 2);
    assert.match(err, /unknown fault "nonsense".*registration-filter-400/);
  });
});
