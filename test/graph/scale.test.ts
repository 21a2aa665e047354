/**
 * What the sweep relies on to stay short on large tenants, through the real Graph client against the
 * simulator over HTTP: `in` filters of at most 15 values, role assignments in pages of 999 (and on
 * without `$top` when Graph refuses it), eligibility read one role at a time once it proves large,
 * and `$batch` requests in flight side by side, throttled items and whole batches waited out.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { buildStatusReport } from '../../src/domain/status';
import { parseRoleScope } from '../../src/domain/roles';
import { createGraphClient } from '../../src/graph/client';
import { GraphTenantGateway } from '../../src/graph/gateway';
import { GraphBatcher } from '../../src/graph/requests';
import { silentLogger } from '../../src/log';
import { loadFixtureFile, type TenantFixture } from '../../src/sim/fixture';
import { generateTenant } from '../../src/sim/generate';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/sim/server';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'fabrikam.json');
const ASSIGNMENTS = '/v1.0/roleManagement/directory/roleAssignments';
const ELIGIBILITY = 'GET /roleManagement/directory/roleEligibilityScheduleInstances';

async function withSim<T>(tenant: TenantFixture, opts: Omit<SimulatorOptions, 'tenant'>, work: (sim: Simulator, gateway: GraphTenantGateway) => Promise<T>): Promise<T> {
  const sim = await startSimulator({ tenant, port: 0, host: '127.0.0.1', ...opts });
  try {
    const client = createGraphClient({ baseUrl: sim.url, credential: null, timeoutMs: 10_000, maxRetries: 3, logger: silentLogger(), sleep: async () => undefined });
    return await work(sim, new GraphTenantGateway({ client, baseUrl: sim.url, batchSleep: async () => undefined }));
  } finally {
    await sim.close();
  }
}

/** Every admin with how they hold which role and their registration, and the totals. */
async function statusOf(tenant: TenantFixture, roleIds: string[], opts: Omit<SimulatorOptions, 'tenant'> = {}) {
  return withSim(tenant, opts, async (sim, gateway) => {
    const facts = await gateway.readTenant({ roleIds });
    const report = buildStatusReport(facts, { roleIds, breakGlassUserIds: [], exclusionGroupId: null }, new Date());
    const admins = report.admins.map((a) => `${a.id}:${a.roles.map((r) => `${r.roleId}/${r.activation}/${r.via}`).sort().join('+')}:${String(a.mfaRegistered)}`).sort();
    return { admins, totals: report.totals, caveats: facts.caveats, requests: sim.requests(), timeline: sim.timeline() };
  });
}

describe('the sweep on large tenants, through the Graph client', () => {
  it('reads a scope of more than 15 roles in `in` filters of at most 15, as one query per role would', async () => {
    const roles = parseRoleScope('docs,scuba,seed');
    assert.ok(roles.length > 15, `${roles.length} roles`);
    const chunked = await statusOf(loadFixtureFile(FIXTURE), roles);
    // fabrikam has no Secure Score control profile for admin MFA: that 404 is the tenant, not the filter.
    assert.deepEqual(chunked.requests.filter((r) => r.path === ASSIGNMENTS && r.status >= 400), [], 'no role query refused');
    assert.equal(chunked.requests.filter((r) => r.path === ASSIGNMENTS).length, 2, 'two queries: 15 roles and 1');
    const perRole = await statusOf(loadFixtureFile(FIXTURE), roles, { graphFaults: ['assignments-in-expand-400'] });
    assert.deepEqual(chunked.admins, perRole.admins);
    assert.deepEqual(chunked.caveats, []);
  });

  it('asks for role assignments 999 a page, and reads on without $top when Graph refuses it', async () => {
    // About 340 active assignments: one page of 999 holds them all; pages of 100 do not.
    const tenant = () => generateTenant({ users: 3_000, admins: 400, seed: 3 });
    const roles = parseRoleScope('template');
    const strict = await statusOf(tenant(), roles);
    assert.deepEqual(strict.requests.filter((r) => r.path === ASSIGNMENTS).map((r) => r.status), [200], 'one page');
    assert.ok(!strict.timeline.some((t) => t.items?.some((i) => i.startsWith(`GET ${ASSIGNMENTS.slice(5)}`))), 'no query per role');

    const refused = await statusOf(tenant(), roles, { graphFaults: ['assignments-top-400'] });
    assert.deepEqual(refused.requests.filter((r) => r.path === ASSIGNMENTS).map((r) => r.status), [400, 200], 'refused once, then Graph\'s own page size');
    const perRole = refused.timeline.flatMap((t) => t.items ?? []).filter((i) => i === `GET ${ASSIGNMENTS.slice(5)}`);
    assert.equal(perRole.length, roles.length, 'then one query per role, in batches, none of them asking $top again');
    assert.ok(refused.requests.every((r) => r.path !== '/v1.0/$batch' || r.status === 200));
    assert.deepEqual(refused.admins, strict.admins);
    assert.deepEqual(refused.totals, { admins: 400, registered: 318, unregistered: 80, unknown: 2 });
  });

  it('reads a large tenant\'s PIM eligibility one role at a time and counts every eligible admin', async () => {
    const tenant = () => generateTenant({ users: 4_000, admins: 1_500, seed: 11, eligibleShare: 0.5 });
    const roles = parseRoleScope('template');
    const inScope = new Set(roles);
    const t = tenant();
    const eligible = t.roleEligibilitySchedules.filter((e) => inScope.has(e.roleDefinitionId) && t.users.some((u) => u.id === e.principalId));
    assert.ok(eligible.length > 300, `${eligible.length} eligible`);
    const read = await statusOf(t, roles);
    const calls = read.timeline.flatMap((x) => x.items ?? []).filter((i) => i === ELIGIBILITY);
    assert.ok(calls.length >= roles.length, `${calls.length} eligibility calls: the first page, then each role`);
    const eligibleAdmins = new Set(read.admins.filter((a) => a.includes('/eligible/direct')).map((a) => a.split(':')[0]));
    for (const e of eligible) assert.ok(eligibleAdmins.has(e.principalId), `${e.principalId} is listed as eligible`);
    // The same tenant read in pages of 5000 (no fan-out at all) gives the same admins.
    const unsplit = await statusOf(tenant(), roles, { maxPageSize: 5_000, defaultPageSize: 5_000 });
    assert.deepEqual(read.admins, unsplit.admins);
  });
});

describe('$batch requests side by side, throttled', () => {
  it('sends 45 GETs as three batches at once and waits out a throttled item and a throttled batch', async () => {
    const sim = await startSimulator({ tenant: loadFixtureFile(FIXTURE), port: 0, host: '127.0.0.1', latencyMs: 50 });
    try {
      const clientWaits: number[] = [];
      const itemWaits: number[] = [];
      const client = createGraphClient({
        baseUrl: sim.url, credential: null, timeoutMs: 5_000, maxRetries: 3, logger: silentLogger(),
        sleep: async (ms) => { clientWaits.push(ms); },
      });
      const batcher = new GraphBatcher(client, { sleep: async (ms) => { itemWaits.push(ms); } });
      sim.inject({ method: 'POST', pathPattern: '^/\\$batch$', status: 429, times: 1, retryAfterSeconds: 2 });
      sim.inject({ pathPattern: '^/subscribedSkus$', status: 429, times: 2, retryAfterSeconds: 1 });
      const paths = Array.from({ length: 45 }, (_, i) => (i === 7 ? '/subscribedSkus' : `/organization?$select=id&n=${i}`));
      const answers = await Promise.all(paths.map((p) => batcher.get<{ value?: unknown[] }>(p)));
      assert.ok(answers.every((a) => Array.isArray(a.value) && a.value.length === 1), 'every GET answered');
      assert.equal(clientWaits[0], 2_000, 'the throttled batch was sent again after its Retry-After');
      assert.equal(itemWaits[0], 1_000, 'the item throttled inside a batch was asked again after its own Retry-After');
      // Asked again alone, the item travels as a plain GET, whose 429 the client's retry waits out.
      assert.deepEqual([...clientWaits, ...itemWaits].sort((a, b) => a - b), [1_000, 1_000, 2_000], 'every wait as long as Retry-After said');
      const batches = sim.timeline().filter((t) => t.path === '/v1.0/$batch' && t.status === 200);
      const [first, second] = batches;
      assert.ok(first && second && second.startMs < first.endMs, 'the first two batches were in flight together');
      assert.deepEqual(batches.slice(0, 3).map((b) => b.batch).sort(), [20, 20, 5]);
    } finally {
      await sim.close();
    }
  });
});
