/**
 * The simulator at scale: the query limits it shares with Graph (15 `or` clauses, role assignment
 * page sizes), the indexes that serve large tenants (which must answer exactly as a scan would, and
 * see changes), its timeline, and the memory-saving ways of a generated tenant.
 */
import assert from 'node:assert/strict';
import { ROLE } from '../../src/domain/roles';
import { demoTenant } from '../../src/sim/demo';
import { generateTenant } from '../../src/sim/generate';
import { call, collect, errorOf, values, withSim } from './helpers';

const REPORT = '/reports/authenticationMethods/userRegistrationDetails';
const ASSIGNMENTS = '/roleManagement/directory/roleAssignments';
const quoted = (ids: readonly string[]): string => ids.map((id) => `'${id}'`).join(',');

describe('simulator limits Graph has too', () => {
  it('refuses more than 15 values in `in`, or 15 clauses joined by `or`, with Graph\'s error', async () => {
    const tenant = generateTenant({ users: 200, admins: 20, seed: 5 });
    const ids = tenant.userRegistrationDetails.slice(0, 16).map((r) => r.id);
    await withSim({ tenant }, async (sim) => {
      const fifteen = await call(sim, `${REPORT}?$filter=id in (${quoted(ids.slice(0, 15))})`);
      assert.equal(fifteen.status, 200);
      assert.equal(values(fifteen).length, 15);
      for (const filter of [`id in (${quoted(ids)})`, ids.map((id) => `id eq '${id}'`).join(' or '), `roleDefinitionId in (${quoted(ids)})`]) {
        const path = filter.startsWith('roleDefinitionId') ? ASSIGNMENTS : REPORT;
        const refused = await call(sim, `${path}?$filter=${encodeURIComponent(filter)}`);
        assert.equal(refused.status, 400, filter.slice(0, 40));
        assert.equal(errorOf(refused).code, 'Request_UnsupportedQuery');
        assert.equal(errorOf(refused).message, "Too many child clauses specified in search filter expression containing 'OR' operators: 16. Max allowed: 15.");
      }
    });
  });

  it('lets an advanced query on directory objects hold more values, up to a URL of 2,048 characters', async () => {
    const tenant = generateTenant({ users: 200, admins: 20, seed: 5 });
    const advanced = { ConsistencyLevel: 'eventual' };
    await withSim({ tenant }, async (sim) => {
      const twenty = `/users?$filter=id in (${quoted(tenant.users.slice(0, 20).map((u) => u.id))})&$count=true`;
      assert.equal((await call(sim, twenty, { headers: advanced })).status, 200);
      assert.equal(values(await call(sim, twenty, { headers: advanced })).length, 20);
      assert.equal((await call(sim, twenty)).status, 400, 'not without ConsistencyLevel: eventual');
      const long = `/users?$filter=id in (${quoted(tenant.users.slice(0, 60).map((u) => u.id))})&$count=true`;
      const tooLong = await call(sim, long, { headers: advanced });
      assert.equal(tooLong.status, 400);
      assert.match(errorOf(tooLong).message, /2048|2,048/);
    });
  });

  it('pages role assignments by 100, or by up to 999 with $top; assignments-top-400 refuses $top', async () => {
    const tenant = generateTenant({ users: 3_000, admins: 400, seed: 3 });
    const all = tenant.roleAssignments.length;
    assert.ok(all > 100 && all < 999, `${all} assignments`);
    await withSim({ tenant }, async (sim) => {
      const plain = await call(sim, ASSIGNMENTS);
      assert.equal(values(plain).length, 100);
      assert.equal(typeof plain.body['@odata.nextLink'], 'string');
      const big = await call(sim, `${ASSIGNMENTS}?$top=999`);
      assert.equal(values(big).length, all);
      assert.equal(big.body['@odata.nextLink'], undefined);
    });
    await withSim({ tenant, graphFaults: ['assignments-top-400'] }, async (sim) => {
      const refused = await call(sim, `${ASSIGNMENTS}?$top=999`);
      assert.equal(refused.status, 400);
      assert.match(errorOf(refused).message, /does not support custom page sizes/);
      assert.equal((await call(sim, ASSIGNMENTS)).status, 200);
      assert.deepEqual(sim.graphFaultsFired(), { 'assignments-top-400': 1 });
    });
  });
});

describe('simulator indexes', () => {
  it('serves assignments by role and the isAdmin rows as a scan would, and sees assignments added later', async () => {
    const tenant = generateTenant({ users: 2_000, admins: 200, seed: 9 });
    await withSim({ tenant }, async (sim) => {
      const roles: string[] = [ROLE.helpdeskAdministrator, ROLE.userAdministrator];
      const byRole = (await collect(sim, `${ASSIGNMENTS}?$filter=roleDefinitionId in (${quoted(roles)})`)).items.map((a) => a.id);
      assert.deepEqual(byRole, sim.state.roleAssignments.filter((a) => roles.includes(a.roleDefinitionId)).map((a) => a.id), 'same rows, same order');
      const admins = async (): Promise<string[]> => (await collect(sim, `${REPORT}?$filter=isAdmin eq true&$select=id`)).items.map((r) => String(r.id)).sort();
      const everyRow = async (): Promise<string[]> => (await collect(sim, `${REPORT}?$top=999`)).items.filter((r) => r.isAdmin === true).map((r) => String(r.id)).sort();
      assert.deepEqual(await admins(), await everyRow());

      // A user who was no admin gets a role: both indexes see it at once.
      const plain = sim.state.userRegistrationDetails.find((r) => !(sim.state.roleAssignments.some((a) => a.principalId === r.id)));
      assert.ok(plain);
      sim.state.roleAssignments.push({ id: 'added-assignment', principalId: plain.id, roleDefinitionId: ROLE.helpdeskAdministrator, directoryScopeId: '/' });
      const helpdesk = (await collect(sim, `${ASSIGNMENTS}?$filter=roleDefinitionId eq '${ROLE.helpdeskAdministrator}'`)).items.map((a) => a.id);
      assert.ok(helpdesk.includes('added-assignment'));
      assert.ok((await admins()).includes(plain.id));
      assert.deepEqual(await admins(), await everyRow());
    });
  });

  it('serves $select on the registration report with the values the whole row has', async () => {
    await withSim({ tenant: demoTenant() }, async (sim) => {
      const fields = ['id', 'isAdmin', 'isMfaCapable', 'userPreferredMethodForSecondaryAuthentication', 'methodsRegistered', 'lastUpdatedDateTime'];
      const whole = values(await call(sim, `${REPORT}?$top=999`));
      const selected = values(await call(sim, `${REPORT}?$top=999&$select=${fields.join(',')}`));
      assert.equal(selected.length, whole.length);
      assert.deepEqual(selected, whole.map((row) => Object.fromEntries(fields.map((f) => [f, row[f] ?? null]))));
    });
  });
});

describe('simulator timeline (GET /_sim/timeline)', () => {
  it('says when each request arrived and was answered, and how long the simulator itself worked on it', async () => {
    await withSim({ tenant: demoTenant(), latencyMs: 40 }, async (sim) => {
      await call(sim, '/organization');
      await call(sim, '/$batch', { method: 'POST', body: { requests: [{ id: '1', method: 'GET', url: '/subscribedSkus' }, { id: '2', method: 'GET', url: '/organization?$select=id' }] } });
      const timeline = sim.timeline();
      assert.deepEqual(timeline.map(({ method, path, status, batch }) => ({ method, path, status, ...(batch ? { batch } : {}) })), sim.requests());
      for (const t of timeline) {
        assert.ok(t.endMs - t.startMs >= 39, `${t.path} took the added latency`);
        assert.ok(t.handledMs >= 0 && t.handledMs < t.endMs - t.startMs - 30, `${t.path}: ${t.handledMs} ms of own work, without the latency`);
        assert.ok(Math.abs(t.startMs - Date.now()) < 60_000, 'wall-clock milliseconds');
      }
      assert.deepEqual(timeline[1]?.items, ['GET /subscribedSkus', 'GET /organization']);
      assert.deepEqual(await (await fetch(`${sim.url}/_sim/timeline`)).json(), timeline);
      await fetch(`${sim.url}/_sim/requests`, { method: 'DELETE' });
      assert.deepEqual(sim.timeline(), []);
    });
  });
});

describe('a generated tenant, frugally', () => {
  it('is served as it was handed over with adoptTenant, and copied without it', async () => {
    const tenant = generateTenant({ users: 100, admins: 10, seed: 1 });
    await withSim({ tenant, adoptTenant: true }, async (sim) => assert.equal(sim.state, tenant));
    await withSim({ tenant }, async (sim) => assert.notEqual(sim.state, tenant));
  });

  it('registers one user without touching the method lists the others share', async () => {
    const tenant = generateTenant({ users: 500, admins: 50, seed: 2 });
    const unregistered = tenant.userRegistrationDetails.filter((r) => !r.isMfaRegistered);
    const [first, second] = unregistered;
    assert.ok(first && second && first.methodsRegistered === second.methodsRegistered, 'rows alike share one list');
    await withSim({ tenant, adoptTenant: true }, async (sim) => {
      assert.equal((await fetch(`${sim.url}/_sim/users/${first.id}/register`, { method: 'POST' })).status, 200);
      assert.deepEqual((await call(sim, `${REPORT}/${first.id}`)).body.methodsRegistered, ['microsoftAuthenticatorPush']);
      assert.deepEqual((await call(sim, `${REPORT}/${second.id}`)).body.methodsRegistered, []);
    });
  });
});
